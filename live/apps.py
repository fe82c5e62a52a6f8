from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = "Live score updates"

    def ready(self) -> None:
        from live.notify import on_rescore_progress, on_score_stored
        from scoring.events import rescore_progress, score_stored

        score_stored.connect(on_score_stored, dispatch_uid="live.notify.score_stored")
        rescore_progress.connect(on_rescore_progress, dispatch_uid="live.notify.rescore_progress")
