from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Trends and calibration"

    def ready(self) -> None:
        from analytics import receivers

        receivers.connect()
