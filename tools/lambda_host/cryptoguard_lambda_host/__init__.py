"""LocalStack runs Lambda functions in Docker containers; this machine has no Docker. This plugin runs a Python
function's unpacked package in a host process instead, so that LocalStack itself invokes the packaged zip from
its SQS event source mappings and EventBridge targets, with the function's environment, timeout and logs."""
