"""Where the bearer token comes from.

Tokens are built in the provider process from stack config or environment, never from
resource inputs, so neither state nor the pickled provider holds a secret.
"""

from __future__ import annotations

from typing import Callable

from ._config import Settings
from ._errors import ConfigurationError

__all__ = ["token_source"]

_MISSING = (
    "No Microsoft Graph credentials are configured. Set a delegated access token with "
    "`pulumi config set --secret msgraph:accessToken <token>` or the environment variable "
    "MSGRAPH_ACCESS_TOKEN (the API accepts delegated permissions only: OnlineMeetings.ReadWrite). "
    "For the local emulator any non-empty token works."
)


def token_source(settings: Settings) -> Callable[[], str]:
    """A callable returning the bearer token; fails with instructions when there is none."""
    token = settings.access_token
    if not token:
        raise ConfigurationError(_MISSING)
    return lambda: token
