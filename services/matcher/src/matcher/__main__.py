"""``python -m matcher``: this service alone, at its own port, under its usual path prefix."""

from shared.process import run_service

from . import SPEC, MatcherSettings, create_app

if __name__ == "__main__":
    run_service(SPEC.name, create_app, MatcherSettings())
