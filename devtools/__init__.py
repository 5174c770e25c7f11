"""Local development tools: the embedded-AWS dev server and its API Gateway emulation."""
