"""The packaged SAM template deployed through LocalStack's CloudFormation (opt-in:
LOCALSTACK_URL), and the no-Docker stand-in that lets LocalStack create its functions."""
