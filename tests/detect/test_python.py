"""Python detection on fixture repos shaped like real Django and FastAPI services.

Each fixture is our own small text in a layout real services use: a cookiecutter-style Django API on
Poetry, a Django site in `backend/` on pip with Django's own test runner, a Django project with a
settings package and django-environ, and FastAPI services on sync SQLAlchemy, async SQLAlchemy with uv,
and SQLModel in a `src/app` layout with arq.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.detect import python
from scaffold.detect.commands import RepoCommands
from scaffold.detect.model import Confidence, Evidence, Fact
from scaffold.detect.tree import RepoTree
from repos import write_repo

HIGH, MEDIUM = Confidence.high, Confidence.medium

# (1) Django 4.2 + DRF + psycopg2 + pytest-django + factory_boy + structlog + Poetry + Celery.
DJANGO_DRF_POETRY = {
    "pyproject.toml": """
        [tool.poetry]
        name = "shop"
        version = "0.1.0"
        description = "Orders API"

        [tool.poetry.dependencies]
        python = "^3.11"
        Django = "4.2.11"
        djangorestframework = "^3.14"
        psycopg2-binary = "^2.9.9"
        celery = {version = "^5.3", extras = ["redis"]}
        django-redis = "^5.4"
        structlog = "^24.1"
        drf-spectacular = "^0.27"
        gunicorn = "^21.2"

        [tool.poetry.group.dev.dependencies]
        pytest = "^8.0"
        pytest-django = "^4.8"
        pytest-cov = "^4.1"
        factory-boy = "^3.3"
        ruff = "^0.3"
        mypy = "^1.8"

        [tool.pytest.ini_options]
        DJANGO_SETTINGS_MODULE = "shop.settings"
        addopts = "--cov=shop --cov-fail-under=85"

        [tool.ruff]
        line-length = 100

        [tool.mypy]
        plugins = ["mypy_django_plugin.main"]
    """,
    "poetry.lock": """
        [[package]]
        name = "celery"
        version = "5.3.6"
        description = "Distributed Task Queue."

        [[package]]
        name = "django"
        version = "4.2.11"
        description = "A high-level Python web framework."

        [[package]]
        name = "djangorestframework"
        version = "3.14.0"
        description = "Web APIs for Django, made easy."

        [[package]]
        name = "pytest"
        version = "8.0.2"
        description = "pytest: simple powerful testing with Python"
    """,
    "manage.py": """
        #!/usr/bin/env python
        import os
        import sys


        def main():
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
            from django.core.management import execute_from_command_line

            execute_from_command_line(sys.argv)


        if __name__ == "__main__":
            main()
    """,
    "shop/__init__.py": "from .celery import app as celery_app\n",
    "shop/celery.py": """
        import os

        from celery import Celery

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
        app = Celery("shop")
        app.config_from_object("django.conf:settings", namespace="CELERY")
        app.autodiscover_tasks()
    """,
    "shop/settings.py": """
        import os

        import structlog

        SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
        INSTALLED_APPS = ["rest_framework", "drf_spectacular", "orders"]

        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": os.environ.get("POSTGRES_DB", "shop"),
            }
        }

        CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": os.environ.get("REDIS_URL", "redis://localhost:6379/1"),
            }
        }

        CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/0")

        structlog.configure(
            processors=[structlog.processors.JSONRenderer()],
        )
    """,
    "shop/urls.py": "urlpatterns = []\n",
    "orders/__init__.py": "",
    "orders/models.py": """
        from django.db import models


        class Order(models.Model):
            total = models.DecimalField(max_digits=10, decimal_places=2)
    """,
    "orders/serializers.py": """
        from rest_framework import serializers

        from orders.models import Order


        class OrderSerializer(serializers.ModelSerializer):
            class Meta:
                model = Order
                fields = ["id", "total"]
    """,
    "orders/views.py": """
        from rest_framework import viewsets

        from orders.models import Order
        from orders.serializers import OrderSerializer


        class OrderViewSet(viewsets.ModelViewSet):
            queryset = Order.objects.all()
            serializer_class = OrderSerializer
    """,
    "orders/migrations/__init__.py": "",
    "orders/migrations/0001_initial.py": "from django.db import migrations\n",
    "orders/migrations/0002_order_status.py": "from django.db import migrations\n",
    "orders/tests/__init__.py": "",
    "orders/tests/factories.py": """
        import factory

        from orders.models import Order


        class OrderFactory(factory.django.DjangoModelFactory):
            class Meta:
                model = Order
    """,
    "orders/tests/test_models.py": """
        import pytest

        from orders.tests.factories import OrderFactory


        @pytest.mark.django_db
        def test_order_total():
            assert OrderFactory(total=3).total == 3
    """,
    "orders/tests/test_api.py": """
        import pytest
        from rest_framework.test import APIClient


        @pytest.mark.django_db
        def test_list_orders(api_client: APIClient):
            assert api_client.get("/api/orders/").status_code == 200
    """,
    "conftest.py": """
        import pytest
        from rest_framework.test import APIClient


        @pytest.fixture
        def api_client():
            return APIClient()
    """,
    "Makefile": """
        test:
        \tpoetry run pytest

        lint:
        \tpoetry run ruff check .
        \tpoetry run mypy .

        migrate:
        \tpoetry run python manage.py migrate
    """,
    "Procfile": """
        web: gunicorn shop.wsgi --log-file -
        worker: celery -A shop worker -l info
    """,
    "Dockerfile": """
        FROM python:3.11-slim AS builder
        RUN pip install poetry==1.8.2
        COPY pyproject.toml poetry.lock ./
        RUN poetry export -o requirements.txt

        FROM python:3.11-slim
        COPY --from=builder requirements.txt .
        RUN pip install -r requirements.txt
        COPY . /app
        CMD ["gunicorn", "shop.wsgi:application", "--bind", "0.0.0.0:8000"]
    """,
}

# (2) Django 5 in `backend/`, no DRF, Django's own test runner, a LOGGING dict, MySQL, pip requirements.
DJANGO_BACKEND_PIP = {
    "README.md": "# Polls\n",
    "frontend/package.json": '{"name": "polls-ui", "scripts": {"build": "vite build"}}\n',
    "backend/requirements.txt": """
        Django==5.0.4
        mysqlclient==2.2.4
        gunicorn==22.0.0
    """,
    "backend/requirements-dev.txt": """
        -r requirements.txt
        coverage==7.4.4
        flake8==7.0.0
    """,
    "backend/.flake8": """
        [flake8]
        max-line-length = 120
        exclude = */migrations/*
    """,
    "backend/manage.py": """
        #!/usr/bin/env python
        import os
        import sys

        if __name__ == "__main__":
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
            from django.core.management import execute_from_command_line
            execute_from_command_line(sys.argv)
    """,
    "backend/mysite/__init__.py": "",
    "backend/mysite/settings.py": """
        import os

        SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
        INSTALLED_APPS = ["django.contrib.auth", "polls"]

        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.mysql",
                "NAME": os.environ.get("DB_NAME", "polls"),
                "OPTIONS": {"charset": "utf8mb4"},
            }
        }

        LOGGING = {
            "version": 1,
            "handlers": {"console": {"class": "logging.StreamHandler"}},
            "root": {"handlers": ["console"], "level": "INFO"},
        }
    """,
    "backend/polls/__init__.py": "",
    "backend/polls/models.py": """
        from django.db import models


        class Question(models.Model):
            text = models.CharField(max_length=200)
    """,
    "backend/polls/forms.py": """
        from django import forms


        class VoteForm(forms.Form):
            choice = forms.IntegerField()
    """,
    "backend/polls/views.py": """
        from django.shortcuts import render

        from polls.forms import VoteForm


        def index(request):
            return render(request, "polls/index.html", {"form": VoteForm()})
    """,
    "backend/polls/fixtures/questions.json": '[{"model": "polls.question", "pk": 1, "fields": {"text": "Why?"}}]\n',
    "backend/polls/migrations/__init__.py": "",
    "backend/polls/migrations/0001_initial.py": "from django.db import migrations\n",
    "backend/polls/tests.py": """
        from django.test import TestCase


        class IndexTests(TestCase):
            fixtures = ["questions.json"]

            def test_index(self):
                response = self.client.get("/polls/")
                self.assertEqual(response.status_code, 200)
    """,
    ".github/workflows/ci.yml": """
        name: ci
        on: [push]
        jobs:
          test:
            runs-on: ubuntu-latest
            defaults:
              run:
                working-directory: backend
            steps:
              - uses: actions/checkout@v4
              - uses: actions/setup-python@v5
                with:
                  python-version: "3.12"
              - run: pip install -r requirements-dev.txt
              - run: flake8 .
              - run: coverage run manage.py test
              - run: coverage report --fail-under=80
    """,
}

# (3) Django with django-environ, a settings package (base, local, production, test) and SQLite.
DJANGO_ENVIRON_SQLITE = {
    "requirements/base.txt": """
        django~=5.1.0
        django-environ==0.11.2
        daphne==4.1.0
        redis==5.0.3
    """,
    "requirements/local.txt": """
        -r base.txt
        pytest==8.1.1
        pytest-django==4.8.0
        model-bakery==1.18.0
        black==24.3.0
        isort==5.13.2
    """,
    "requirements/production.txt": """
        -r base.txt
    """,
    "manage.py": """
        #!/usr/bin/env python
        import os
        import sys

        if __name__ == "__main__":
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
            from django.core.management import execute_from_command_line
            execute_from_command_line(sys.argv)
    """,
    "config/__init__.py": "",
    "config/asgi.py": "from django.core.asgi import get_asgi_application\napplication = get_asgi_application()\n",
    "config/settings/__init__.py": "",
    "config/settings/base.py": """
        import environ

        env = environ.Env()
        SECRET_KEY = env("DJANGO_SECRET_KEY")
        DATABASES = {"default": env.db("DATABASE_URL", default="sqlite:///db.sqlite3")}
    """,
    "config/settings/local.py": """
        from .base import *  # noqa: F403

        DEBUG = True
    """,
    "config/settings/production.py": """
        from .base import *  # noqa: F403

        CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": env("REDIS_URL"),  # noqa: F405
            }
        }
    """,
    "config/settings/test.py": """
        from .base import *  # noqa: F403

        PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    """,
    "pytest.ini": """
        [pytest]
        DJANGO_SETTINGS_MODULE = config.settings.test
    """,
    "tox.ini": """
        [tox]
        envlist = py312

        [testenv]
        deps = -r requirements/local.txt
        commands =
            pytest {posargs}
    """,
    ".pre-commit-config.yaml": """
        repos:
          - repo: https://github.com/psf/black
            rev: 24.3.0
            hooks:
              - id: black
          - repo: https://github.com/pycqa/isort
            rev: 5.13.2
            hooks:
              - id: isort
    """,
    ".github/workflows/ci.yml": """
        name: ci
        on: [push]
        jobs:
          lint:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: pip install pre-commit
              - run: pre-commit run --all-files
    """,
    "Procfile": "web: daphne config.asgi:application --port $PORT --bind 0.0.0.0\n",
    "blog/__init__.py": "",
    "blog/models.py": """
        from django.db import models


        class Post(models.Model):
            title = models.CharField(max_length=100)
    """,
    "blog/views.py": """
        from django.views.generic import ListView

        from blog.models import Post


        class PostList(ListView):
            model = Post
    """,
    "blog/migrations/__init__.py": "",
    "blog/migrations/0001_initial.py": "from django.db import migrations\n",
    "tests/__init__.py": "",
    "tests/test_blog.py": """
        import pytest
        from model_bakery import baker


        @pytest.mark.django_db
        def test_post_list(client):
            baker.make("blog.Post")
            assert client.get("/posts/").status_code == 200
    """,
}

# (4) FastAPI with sync SQLAlchemy 2, Alembic, TestClient, stdlib logging and pip requirements.
FASTAPI_SYNC_PIP = {
    ".python-version": "3.12\n",
    "requirements.txt": """
        fastapi==0.110.0
        uvicorn[standard]==0.29.0
        SQLAlchemy==2.0.29
        alembic==1.13.1
        psycopg2-binary==2.9.9
        pydantic-settings==2.2.1
    """,
    "requirements-dev.txt": """
        -r requirements.txt
        pytest==8.1.1
        httpx==0.27.0
        ruff==0.3.5
    """,
    "ruff.toml": "line-length = 100\n",
    "app/__init__.py": "",
    "app/config.py": """
        from pydantic_settings import BaseSettings


        class Settings(BaseSettings):
            database_url: str = "postgresql+psycopg2://app:app@localhost:5432/app"


        settings = Settings()
    """,
    "app/logging_config.py": """
        import logging.config


        def configure_logging() -> None:
            logging.config.dictConfig({"version": 1, "root": {"level": "INFO"}})
    """,
    "app/db.py": """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker

        from app.config import settings

        engine = create_engine(settings.database_url, pool_pre_ping=True)
        SessionLocal = sessionmaker(bind=engine)
    """,
    "app/models.py": """
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


        class Base(DeclarativeBase):
            pass


        class Item(Base):
            __tablename__ = "items"
            id: Mapped[int] = mapped_column(primary_key=True)
    """,
    "app/routers/__init__.py": "",
    "app/routers/items.py": """
        from fastapi import APIRouter

        router = APIRouter(prefix="/items")


        @router.get("/")
        def list_items():
            return []
    """,
    "app/main.py": """
        import logging

        from fastapi import FastAPI

        from app.logging_config import configure_logging
        from app.routers import items

        configure_logging()
        logger = logging.getLogger(__name__)
        app = FastAPI(title="Items")
        app.include_router(items.router)
    """,
    "alembic.ini": """
        [alembic]
        script_location = alembic
        sqlalchemy.url = postgresql+psycopg2://app:app@localhost/app
    """,
    "alembic/env.py": "from alembic import context\n",
    "alembic/versions/1a2b3c4d5e6f_create_items.py": "revision = '1a2b3c4d5e6f'\n",
    "tests/__init__.py": "",
    "tests/conftest.py": """
        import pytest
        from fastapi.testclient import TestClient

        from app.main import app


        @pytest.fixture
        def client():
            return TestClient(app)
    """,
    "tests/test_items.py": """
        def test_list_items(client):
            assert client.get("/items/").json() == []
    """,
    "Makefile": """
        install:
        \tpip install -r requirements-dev.txt

        test:
        \tpytest -q
    """,
    "Dockerfile": """
        FROM python:3.12-slim
        WORKDIR /code
        COPY requirements.txt .
        RUN pip install -r requirements.txt
        COPY app app
        CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "80"]
    """,
}

# (5) FastAPI with async SQLAlchemy on asyncpg, pydantic-settings, uv, loguru, pytest-asyncio, Redis.
FASTAPI_ASYNC_UV = {
    "pyproject.toml": """
        [project]
        name = "accounts"
        version = "0.1.0"
        requires-python = ">=3.12"
        dependencies = [
            "fastapi>=0.111",
            "sqlalchemy[asyncio]>=2.0.30",
            "asyncpg>=0.29",
            "alembic>=1.13",
            "pydantic-settings>=2.3",
            "loguru>=0.7",
            "redis>=5.0",
        ]

        [dependency-groups]
        dev = [
            "pytest>=8.2",
            "pytest-asyncio>=0.23",
            "pytest-cov>=5.0",
            "httpx>=0.27",
            "ruff>=0.4",
            "mypy>=1.10",
        ]

        [tool.ruff]
        line-length = 100

        [tool.mypy]
        strict = true

        [tool.pytest.ini_options]
        asyncio_mode = "auto"

        [tool.coverage.report]
        fail_under = 90
        show_missing = true
    """,
    "uv.lock": """
        version = 1
        requires-python = ">=3.12"

        [[package]]
        name = "fastapi"
        version = "0.111.1"
        source = { registry = "https://pypi.org/simple" }

        [[package]]
        name = "pytest"
        version = "8.2.2"
        source = { registry = "https://pypi.org/simple" }

        [[package]]
        name = "sqlalchemy"
        version = "2.0.31"
        source = { registry = "https://pypi.org/simple" }
    """,
    ".env.example": """
        DATABASE_URL=postgresql+asyncpg://accounts:accounts@localhost:5432/accounts
        REDIS_URL=redis://localhost:6379/0
    """,
    "alembic.ini": """
        [alembic]
        script_location = migrations
    """,
    "migrations/env.py": "from alembic import context\n",
    "migrations/versions/0001_create_users.py": "revision = '0001'\n",
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/core/config.py": """
        from pydantic_settings import BaseSettings, SettingsConfigDict


        class Settings(BaseSettings):
            model_config = SettingsConfigDict(env_file=".env")
            database_url: str
            redis_url: str = "redis://localhost:6379/0"
    """,
    "app/core/logging.py": """
        import sys

        from loguru import logger


        def setup_logging() -> None:
            logger.remove()
            logger.add(sys.stderr, serialize=True)
    """,
    "app/core/cache.py": """
        from redis import asyncio as aioredis

        from app.core.config import Settings

        redis = aioredis.from_url(Settings().redis_url)
    """,
    "app/db/__init__.py": "",
    "app/db/session.py": """
        from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

        from app.core.config import Settings

        engine = create_async_engine(Settings().database_url)
        SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
    """,
    "app/models/__init__.py": "",
    "app/models/user.py": """
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


        class Base(DeclarativeBase):
            pass


        class User(Base):
            __tablename__ = "users"
            id: Mapped[int] = mapped_column(primary_key=True)
    """,
    "app/api/__init__.py": "",
    "app/api/users.py": """
        from fastapi import APIRouter

        router = APIRouter()


        @router.get("/users/{user_id}")
        async def get_user(user_id: int):
            return {"id": user_id}
    """,
    "app/main.py": """
        from fastapi import FastAPI

        from app.api import users
        from app.core.logging import setup_logging

        setup_logging()
        app = FastAPI()
        app.include_router(users.router)
    """,
    "tests/__init__.py": "",
    "tests/conftest.py": """
        import pytest
        from httpx import ASGITransport, AsyncClient

        from app.main import app


        @pytest.fixture
        async def client():
            async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as ac:
                yield ac
    """,
    "tests/test_users.py": """
        async def test_get_user(client):
            response = await client.get("/users/1")
            assert response.json() == {"id": 1}
    """,
    ".github/workflows/ci.yml": """
        name: ci
        on: [push]
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - uses: astral-sh/setup-uv@v3
              - run: uv sync --frozen
              - run: uv run ruff check .
              - run: uv run pytest --cov=app --cov-report=term
    """,
    "Dockerfile": """
        FROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim
        WORKDIR /app
        COPY . .
        RUN uv sync --frozen --no-dev
        CMD ["uv", "run", "uvicorn", "app.main:app", "--host", "0.0.0.0"]
    """,
}

# (6) FastAPI with SQLModel on Poetry, a `src/app` layout and arq workers.
FASTAPI_SQLMODEL_SRC = {
    "pyproject.toml": """
        [tool.poetry]
        name = "notes"
        version = "0.1.0"
        packages = [{include = "app", from = "src"}]

        [tool.poetry.dependencies]
        python = "^3.11"
        fastapi = "^0.111.0"
        sqlmodel = "^0.0.18"
        asyncpg = "^0.29.0"
        arq = "^0.25.0"
        uvicorn = "^0.30.0"

        [tool.poetry.group.dev.dependencies]
        pytest = "^8.2"
        black = "^24.4"
        flake8 = "^7.0"

        [tool.black]
        line-length = 100
    """,
    "poetry.lock": """
        [[package]]
        name = "arq"
        version = "0.25.0"
        description = "Job queues in python with asyncio and redis"

        [[package]]
        name = "sqlmodel"
        version = "0.0.18"
        description = "SQLModel"
    """,
    ".flake8": "[flake8]\nmax-line-length = 100\n",
    "src/app/__init__.py": "",
    "src/app/settings.py": """
        import os

        DATABASE_URL = os.getenv("DATABASE_URL", "postgresql+asyncpg://notes:notes@localhost/notes")
        REDIS_DSN = os.getenv("REDIS_DSN", "redis://localhost:6379")
    """,
    "src/app/models.py": """
        from sqlmodel import Field, SQLModel


        class Note(SQLModel, table=True):
            id: int | None = Field(default=None, primary_key=True)
            text: str
    """,
    "src/app/main.py": """
        from fastapi import FastAPI

        app = FastAPI(docs_url="/api/docs")


        @app.get("/health")
        async def health():
            return {"ok": True}
    """,
    "src/app/worker.py": """
        from arq.connections import RedisSettings

        from app.settings import REDIS_DSN


        async def send_digest(ctx, user_id: int) -> None:
            return None


        class WorkerSettings:
            functions = [send_digest]
            redis_settings = RedisSettings.from_dsn(REDIS_DSN)
    """,
    "tests/test_health.py": """
        from fastapi.testclient import TestClient

        from app.main import app


        def test_health():
            assert TestClient(app).get("/health").json() == {"ok": True}
    """,
    "docker-compose.yml": """
        services:
          api:
            build: .
            command: uvicorn app.main:app --host 0.0.0.0 --port 8000
          worker:
            build: .
            command: arq app.worker.WorkerSettings
          redis:
            image: redis:7
    """,
}

# A Django admin and a FastAPI API side by side.
TWO_SERVICES = {
    "admin/manage.py": """
        import os
        import sys

        if __name__ == "__main__":
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
            from django.core.management import execute_from_command_line
            execute_from_command_line(sys.argv)
    """,
    "admin/requirements.txt": "Django==5.0.6\n",
    "admin/backoffice/__init__.py": "",
    "admin/backoffice/settings.py": 'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3"}}\n',
    "api/pyproject.toml": """
        [project]
        name = "api"
        version = "0.1.0"
        dependencies = ["fastapi==0.111.0"]
    """,
    "api/app/__init__.py": "",
    "api/app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
}

# No Python service: an Express app, a library with a docs example project, a Flask-Script manage.py.
NO_SERVICE = {
    "package.json": '{"name": "web", "dependencies": {"express": "^4.19.2"}}\n',
    "src/index.js": "const express = require('express')\n",
    "tools/setup.py": 'from setuptools import setup\nsetup(name="tools", install_requires=["requests"])\n',
    "tools/manage.py": "from flask_script import Manager\nmanager = Manager()\n",
    "examples/demo/manage.py": """
        import os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")
    """,
    "examples/demo/requirements.txt": "Django==5.0.6\n",
}


def read(tmp_path: Path, files: dict[str, str], stack: str | None = None) -> tuple[Fact, python.Reading]:
    tree = RepoTree(write_repo(tmp_path / "repo", files))
    found = python.candidates(tree)
    service = next(f for f in found if stack in (None, f.id))
    root = service.details["root"]
    return service, python.read(tree, root, service.id, RepoCommands(tree, root))


def by_concern(reading: python.Reading) -> dict[str, Fact]:
    facts = {fact.concern: fact for fact in reading.facts}
    assert len(facts) == len(reading.facts), "one fact per concern"
    return facts


def check(fact: Fact, id_: str, label: str, evidence: str, details: dict[str, str] | None = None,
          confidence: Confidence = HIGH) -> None:
    assert (fact.id, fact.label, str(fact.evidence), fact.confidence) == (id_, label, evidence, confidence)
    if details is not None:
        assert fact.details == details


def test_django_drf_poetry(tmp_path: Path) -> None:
    service, reading = read(tmp_path, DJANGO_DRF_POETRY)
    check(service, "django", "Django", "pyproject.toml:8", {"root": ""})
    f = by_concern(reading)
    check(f["language"], "python", "Python 3.11", "Dockerfile:6", {"version": "3.11"})
    check(f["framework"], "django", "Django 4.2.11", "poetry.lock:8", {"version": "4.2.11"})
    check(f["database"], "postgresql", "PostgreSQL", "shop/settings.py:10", {"driver": "psycopg2"})
    check(f["orm"], "django-orm", "Django ORM", "shop/settings.py:8", {})
    check(f["migrations"], "django", "Django migrations", "orders/migrations/0001_initial.py", {
        "create": "poetry run python manage.py makemigrations <app>",
        "apply": "make migrate",
        "rollback": "poetry run python manage.py migrate <app> <previous_migration>",
        "verify": "poetry run python manage.py makemigrations --check --dry-run",
    })
    check(f["cache"], "redis", "Redis", "shop/settings.py:17", {})
    check(f["queue"], "celery", "Celery 5.3.6", "poetry.lock:3",
          {"broker": "redis", "worker": "celery -A shop worker -l info"})
    check(f["test"], "pytest", "pytest 8.0.2", "poetry.lock:18", {
        "run": "make test",
        "coverage_run": "make test",
        "coverage_tool": "pytest-cov",
        "fail_under": "85",
        "fixtures": "factory_boy factories, pytest fixtures in conftest.py",
        "http_client": "DRF APIClient",
        "layout": "<app>/tests/",
    })
    check(f["logging"], "structlog", "structlog 24.1", "pyproject.toml:13", {"setup": "shop/settings.py"})
    check(f["validation"], "drf", "Django REST framework 3.14.0", "poetry.lock:13")
    check(f["api_docs"], "drf-spectacular", "drf-spectacular 0.27", "pyproject.toml:14")
    check(f["package_manager"], "poetry", "Poetry (poetry.lock)", "poetry.lock", {"install": "poetry install"})
    check(f["lint"], "ruff", "ruff, mypy", "pyproject.toml:29", {"run": "make lint", "tools": "ruff,mypy"})
    check(f["container"], "docker", "Docker (python:3.11-slim)", "Dockerfile:6",
          {"base": "python:3.11-slim", "cmd": "gunicorn shop.wsgi:application --bind 0.0.0.0:8000"})
    check(f["process"], "gunicorn", "Gunicorn", "Procfile:1", {"cmd": "gunicorn shop.wsgi --log-file -"})
    check(f["settings"], "django-settings", "shop.settings", "manage.py:7",
          {"module": "shop.settings", "path": "shop/settings.py", "layout": "file"})
    assert reading.exemplars == {
        "test": Evidence("orders/tests/test_api.py"),
        "route": Evidence("orders/views.py"),
        "model": Evidence("orders/models.py"),
        "settings": Evidence("shop/settings.py"),
        "logging": Evidence("shop/settings.py"),
        "migration": Evidence("orders/migrations/0002_order_status.py"),
    }
    assert reading.notes == []


def test_django_in_backend_folder_with_its_own_test_runner(tmp_path: Path) -> None:
    service, reading = read(tmp_path, DJANGO_BACKEND_PIP)
    check(service, "django", "Django", "backend/requirements.txt:1", {"root": "backend"})
    f = by_concern(reading)
    check(f["language"], "python", "Python 3.12", ".github/workflows/ci.yml:13", {"version": "3.12"})
    check(f["framework"], "django", "Django 5.0.4", "backend/requirements.txt:1", {"version": "5.0.4"})
    check(f["database"], "mysql", "MySQL", "backend/mysite/settings.py:8", {"driver": "mysqlclient"})
    check(f["migrations"], "django", "Django migrations", "backend/polls/migrations/0001_initial.py", {
        "create": "python manage.py makemigrations <app>",
        "apply": "python manage.py migrate",
        "rollback": "python manage.py migrate <app> <previous_migration>",
        "verify": "python manage.py makemigrations --check --dry-run",
    })
    check(f["test"], "django-test", "Django's test runner (unittest TestCase)", "backend/polls/tests.py:4", {
        "run": "coverage run manage.py test",
        "coverage_run": "coverage run manage.py test",
        "coverage_tool": "coverage.py",
        "fail_under": "80",
        "fixtures": "Django fixtures (JSON)",
        "http_client": "Django test Client",
        "layout": "*/tests.py",
    })
    check(f["logging"], "stdlib-logging", "stdlib logging (LOGGING dict)", "backend/mysite/settings.py:14",
          {"setup": "backend/mysite/settings.py"})
    check(f["validation"], "django-forms", "Django forms", "backend/polls/forms.py:1")
    check(f["package_manager"], "pip", "pip (requirements.txt)", "backend/requirements.txt",
          {"install": "pip install -r requirements-dev.txt"})
    check(f["lint"], "flake8", "flake8", "backend/.flake8:1", {"run": "flake8 .", "tools": "flake8"})
    check(f["settings"], "django-settings", "mysite.settings", "backend/manage.py:6",
          {"module": "mysite.settings", "path": "backend/mysite/settings.py", "layout": "file"})
    for absent in ("cache", "queue", "api_docs", "container", "process"):
        assert absent not in f
    assert reading.exemplars["test"] == Evidence("backend/polls/tests.py")
    assert reading.exemplars["route"] == Evidence("backend/polls/views.py")
    assert reading.exemplars["migration"] == Evidence("backend/polls/migrations/0001_initial.py")


def test_django_environ_settings_package_on_sqlite(tmp_path: Path) -> None:
    service, reading = read(tmp_path, DJANGO_ENVIRON_SQLITE)
    check(service, "django", "Django", "requirements/base.txt:1", {"root": ""})
    f = by_concern(reading)
    check(f["language"], "python", "Python", "requirements/base.txt", {})
    check(f["framework"], "django", "Django 5.1", "requirements/base.txt:1", {"version": "5.1"})
    check(f["database"], "sqlite", "SQLite", "config/settings/base.py:5", {"driver": "sqlite3"})
    check(f["cache"], "redis", "Redis", "config/settings/production.py:5")
    check(f["test"], "pytest", "pytest 8.1.1", "requirements/local.txt:2", {
        "run": "tox",
        "fixtures": "model_bakery recipes",
        "http_client": "Django test Client",
        "layout": "tests/",
    })
    check(f["lint"], "black", "black, isort", "requirements/local.txt:5", {"run": "pre-commit run --all-files", "tools": "black,isort"})
    check(f["process"], "daphne", "Daphne", "Procfile:1",
          {"cmd": "daphne config.asgi:application --port $PORT --bind 0.0.0.0"})
    check(f["package_manager"], "pip", "pip (requirements/base.txt)", "requirements/base.txt",
          {"install": "pip install -r requirements/base.txt"})
    check(f["settings"], "django-environ", "config.settings.local", "manage.py:6", {
        "module": "config.settings.local", "path": "config/settings/local.py", "layout": "package"})
    for absent in ("logging", "queue", "validation", "container"):
        assert absent not in f
    assert reading.notes == [
        "Django settings are a package of 4 modules (base, local, production, test) in config/settings/; "
        "manage.py defaults to config.settings.local, set DJANGO_SETTINGS_MODULE for the others."
    ]
    assert reading.exemplars["test"] == Evidence("tests/test_blog.py")
    assert reading.exemplars["model"] == Evidence("blog/models.py")


def test_fastapi_sync_sqlalchemy_alembic_pip(tmp_path: Path) -> None:
    service, reading = read(tmp_path, FASTAPI_SYNC_PIP)
    check(service, "fastapi", "FastAPI", "requirements.txt:1", {"root": ""})
    f = by_concern(reading)
    check(f["language"], "python", "Python 3.12", ".python-version:1", {"version": "3.12"})
    check(f["framework"], "fastapi", "FastAPI 0.110.0", "requirements.txt:1", {"version": "0.110.0"})
    check(f["database"], "postgresql", "PostgreSQL", "app/config.py:5", {"driver": "psycopg2"})
    check(f["orm"], "sqlalchemy", "SQLAlchemy 2.0 (sync)", "app/db.py:6", {"version": "2.0.29"})
    check(f["migrations"], "alembic", "Alembic 1.13.1", "alembic.ini:2", {
        "create": 'alembic revision --autogenerate -m "<message>"',
        "apply": "alembic upgrade head",
        "rollback": "alembic downgrade -1",
        "verify": "alembic check",
        "config": "alembic.ini",
    })
    check(f["test"], "pytest", "pytest 8.1.1", "requirements-dev.txt:2", {
        "run": "make test",
        "fixtures": "pytest fixtures in conftest.py",
        "http_client": "FastAPI TestClient",
        "layout": "tests/",
    })
    check(f["logging"], "stdlib-logging", "stdlib logging", "app/logging_config.py:5",
          {"setup": "app/logging_config.py"})
    check(f["validation"], "pydantic", "Pydantic", "app/main.py:10", {})
    check(f["api_docs"], "fastapi-openapi", "FastAPI OpenAPI (/docs)", "app/main.py:10")
    check(f["package_manager"], "pip", "pip (requirements.txt)", "requirements.txt",
          {"install": "pip install -r requirements-dev.txt"})
    check(f["lint"], "ruff", "ruff", "ruff.toml:1", {"tools": "ruff"})
    check(f["container"], "docker", "Docker (python:3.12-slim)", "Dockerfile:1",
          {"base": "python:3.12-slim", "cmd": "uvicorn app.main:app --host 0.0.0.0 --port 80"})
    check(f["process"], "uvicorn", "Uvicorn", "Dockerfile:6", {"cmd": "uvicorn app.main:app --host 0.0.0.0 --port 80"})
    check(f["settings"], "pydantic-settings", "pydantic-settings (app/config.py)", "app/config.py:4",
          {"path": "app/config.py", "module": "app.config"})
    assert "cache" not in f and "queue" not in f
    assert reading.exemplars == {
        "test": Evidence("tests/test_items.py"),
        "route": Evidence("app/routers/items.py"),
        "model": Evidence("app/models.py"),
        "settings": Evidence("app/config.py"),
        "logging": Evidence("app/logging_config.py"),
        "migration": Evidence("alembic/versions/1a2b3c4d5e6f_create_items.py"),
    }


def test_fastapi_async_sqlalchemy_on_uv(tmp_path: Path) -> None:
    service, reading = read(tmp_path, FASTAPI_ASYNC_UV)
    check(service, "fastapi", "FastAPI", "pyproject.toml:6", {"root": ""})
    f = by_concern(reading)
    check(f["language"], "python", "Python 3.12+", "pyproject.toml:4", {"version": "3.12"})
    check(f["framework"], "fastapi", "FastAPI 0.111.1", "uv.lock:6", {"version": "0.111.1"})
    check(f["database"], "postgresql", "PostgreSQL", ".env.example:1", {"driver": "asyncpg"})
    check(f["orm"], "sqlalchemy-async", "SQLAlchemy 2.0 (async)", "app/db/session.py:5", {"version": "2.0.31"})
    check(f["migrations"], "alembic", "Alembic", "alembic.ini:2", {
        "create": 'alembic revision --autogenerate -m "<message>"',
        "apply": "alembic upgrade head",
        "rollback": "alembic downgrade -1",
        "verify": "alembic check",
        "config": "alembic.ini",
    })
    check(f["cache"], "redis", "Redis", "app/core/cache.py:1")
    check(f["test"], "pytest", "pytest 8.2.2", "uv.lock:11", {
        "run": "uv run pytest --cov=app --cov-report=term",
        "coverage_run": "uv run pytest --cov=app --cov-report=term",
        "coverage_tool": "pytest-cov",
        "fail_under": "90",
        "fixtures": "pytest fixtures in conftest.py",
        "http_client": "httpx.AsyncClient",
        "layout": "tests/",
    })
    check(f["logging"], "loguru", "loguru", "pyproject.toml:11", {"setup": "app/core/logging.py"})
    check(f["package_manager"], "uv", "uv (uv.lock)", "uv.lock", {"install": "uv sync --frozen"})
    check(f["lint"], "ruff", "ruff, mypy", "pyproject.toml:25", {"run": "uv run ruff check .", "tools": "ruff,mypy"})
    check(f["container"], "docker", "Docker (ghcr.io/astral-sh/uv:python3.12-bookworm-slim)", "Dockerfile:1",
          {"base": "ghcr.io/astral-sh/uv:python3.12-bookworm-slim",
           "cmd": "uv run uvicorn app.main:app --host 0.0.0.0"})
    check(f["process"], "uvicorn", "Uvicorn", "Dockerfile:5", {"cmd": "uvicorn app.main:app --host 0.0.0.0"})
    check(f["settings"], "pydantic-settings", "pydantic-settings (app/core/config.py)", "app/core/config.py:4",
          {"path": "app/core/config.py", "module": "app.core.config"})
    assert "queue" not in f
    assert reading.exemplars["test"] == Evidence("tests/test_users.py")
    assert reading.exemplars["route"] == Evidence("app/api/users.py")
    assert reading.exemplars["model"] == Evidence("app/models/user.py")
    assert reading.exemplars["migration"] == Evidence("migrations/versions/0001_create_users.py")


def test_fastapi_sqlmodel_src_layout_with_arq(tmp_path: Path) -> None:
    service, reading = read(tmp_path, FASTAPI_SQLMODEL_SRC)
    check(service, "fastapi", "FastAPI", "pyproject.toml:8", {"root": ""})
    f = by_concern(reading)
    check(f["language"], "python", "Python 3.11+", "pyproject.toml:7", {"version": "3.11"})
    check(f["framework"], "fastapi", "FastAPI 0.111", "pyproject.toml:8", {"version": "0.111"})
    check(f["database"], "postgresql", "PostgreSQL", "src/app/settings.py:3", {"driver": "asyncpg"})
    check(f["orm"], "sqlmodel", "SQLModel 0.0.18", "poetry.lock:8", {})
    check(f["queue"], "arq", "arq 0.25.0", "poetry.lock:3",
          {"broker": "redis", "worker": "arq app.worker.WorkerSettings"})
    check(f["test"], "pytest", "pytest 8.2", "pyproject.toml:15", {
        "run": "pytest", "http_client": "FastAPI TestClient", "layout": "tests/"}, MEDIUM)
    check(f["api_docs"], "fastapi-openapi", "FastAPI OpenAPI (/docs)", "src/app/main.py:3")
    check(f["package_manager"], "poetry", "Poetry (poetry.lock)", "poetry.lock", {"install": "poetry install"})
    check(f["lint"], "flake8", "flake8, black", ".flake8:1", {"tools": "flake8,black"})
    check(f["process"], "uvicorn", "Uvicorn", "docker-compose.yml:4",
          {"cmd": "uvicorn app.main:app --host 0.0.0.0 --port 8000"})
    check(f["settings"], "config-module", "config module (src/app/settings.py)", "src/app/settings.py:3",
          {"path": "src/app/settings.py", "module": "app.settings"}, MEDIUM)
    assert "migrations" not in f and "logging" not in f and "container" not in f
    assert reading.exemplars["route"] == Evidence("src/app/main.py")
    assert reading.exemplars["model"] == Evidence("src/app/models.py")
    assert reading.exemplars["test"] == Evidence("tests/test_health.py")


def test_no_python_service(tmp_path: Path) -> None:
    tree = RepoTree(write_repo(tmp_path / "repo", NO_SERVICE))
    assert python.candidates(tree) == []


def test_django_and_fastapi_services_side_by_side(tmp_path: Path) -> None:
    tree = RepoTree(write_repo(tmp_path / "repo", TWO_SERVICES))
    found = {fact.id: fact for fact in python.candidates(tree)}
    check(found["django"], "django", "Django", "admin/requirements.txt:1", {"root": "admin"})
    check(found["fastapi"], "fastapi", "FastAPI", "api/pyproject.toml:4", {"root": "api"})
    django = by_concern(python.read(tree, "admin", "django", RepoCommands(tree, "admin")))
    check(django["database"], "sqlite", "SQLite", "admin/backoffice/settings.py:1", {"driver": "sqlite3"})
    check(django["settings"], "django-settings", "backoffice.settings", "admin/manage.py:5",
          {"module": "backoffice.settings", "path": "admin/backoffice/settings.py", "layout": "file"})
    fastapi = by_concern(python.read(tree, "api", "fastapi", RepoCommands(tree, "api")))
    check(fastapi["framework"], "fastapi", "FastAPI 0.111.0", "api/pyproject.toml:4", {"version": "0.111.0"})
    assert "database" not in fastapi


def test_manage_py_without_a_declared_django_is_a_medium_candidate(tmp_path: Path) -> None:
    files = {"manage.py": DJANGO_DRF_POETRY["manage.py"], "shop/__init__.py": ""}
    tree = RepoTree(write_repo(tmp_path / "repo", files))
    check(python.candidates(tree)[0], "django", "Django", "manage.py:7", {"root": ""}, MEDIUM)


@pytest.mark.parametrize(
    ("spec", "pinned", "minimum"),
    [("==4.2.11", "4.2.11", (4, 2, 11)), ("~=5.1.0", "5.1", (5, 1, 0)), ("^0.111.0", "0.111", (0, 111, 0)),
     ("==4.2.*", "4.2", (4, 2)), ("^8.2", "8.2", (8, 2)),
     ("4.2.11", "4.2.11", (4, 2, 11)), (">=6.0,<6.1", "6.0", (6, 0)), (">=1.13", None, (1, 13)), ("", None, None)],
)
def test_versions_read_from_a_spec(spec: str, pinned: str | None, minimum: tuple[int, ...] | None) -> None:
    dep = python.Dep("django", spec, Evidence("requirements.txt", 1))
    assert (dep.pinned, dep.minimum) == (pinned, minimum)
