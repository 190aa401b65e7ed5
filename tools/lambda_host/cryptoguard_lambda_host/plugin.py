"""The plux plugin LocalStack loads when LAMBDA_RUNTIME_EXECUTOR=cryptoguard-host."""

from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin


class HostExecutorPlugin(RuntimeExecutorPlugin):
    name = "cryptoguard-host"

    def load(self, *args, **kwargs):
        from cryptoguard_lambda_host.executor import HostProcessExecutor

        return HostProcessExecutor
