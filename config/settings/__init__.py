"""Django settings, split by topic. Every value comes from the environment (see .env.example)."""

from config.settings.base import *  # noqa: F401,F403
from config.settings.database import *  # noqa: F401,F403
from config.settings.tenancy import *  # noqa: F401,F403
from config.settings.api import *  # noqa: F401,F403
from config.settings.jobs import *  # noqa: F401,F403
from config.settings.scoring import *  # noqa: F401,F403
from config.settings.logging import *  # noqa: F401,F403
