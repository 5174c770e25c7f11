"""The launch surge (``make surge``): the bench's per-action figures run through a launch
curve at 1x, 5x and 50x of the planned peak, against AWS's published quotas and prices."""
