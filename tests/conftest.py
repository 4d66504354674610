import pytest

from tests.stack import stack_env


@pytest.fixture(scope="session")
def env() -> dict[str, str]:
    return stack_env()


@pytest.fixture(scope="session")
def api(env):
    import httpx

    with httpx.Client(base_url=env["API_URL"], timeout=15) as client:
        yield client


@pytest.fixture(scope="session")
def db(env):
    import psycopg

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="session")
def coordinator(env):
    """A client signed in as a coordinator: registering volunteers and their check-ins through
    the JSON API needs one (volunteers themselves use the sign-up page or SMS)."""
    from tests.stack import signed_in

    with signed_in(env) as client:
        yield client
