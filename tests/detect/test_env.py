"""Environment variables read from a repo's code: each reading mechanism, and real-shaped configs.

Fixtures are our own small files in the shapes public services use (Django split settings with
django-environ, a FastAPI pydantic-settings module, an Express Joi config, Go envconfig/caarlos0
structs); none is copied from a real repo.
"""

from __future__ import annotations

import time
from pathlib import Path

from scaffold.detect.env import example_values, is_secret_name, read_env
from scaffold.detect.model import EnvVar, Evidence
from scaffold.detect.tree import RepoTree
from repos import write_repo


def env_of(tmp_path: Path, files: dict[str, str], language: str, root: str = "") -> dict[str, EnvVar]:
    repo = write_repo(tmp_path / "repo", files, git=False)
    found = read_env(RepoTree(repo), root, language)
    assert [v.name for v in found] == sorted(v.name for v in found)
    return {v.name: v for v in found}


def var(name: str, path: str, line: int, default: str | None = None, required: bool = False,
        secret: bool = False, source: str = "code") -> EnvVar:
    return EnvVar(name, Evidence(path, line), default, required, secret, source)


# -- Python ------------------------------------------------------------------------------------------
def test_python_os_reads(tmp_path):
    found = env_of(tmp_path, {"app/config.py": '''
        import os

        DEBUG = os.getenv("DEBUG")
        PORT = int(os.getenv("PORT", "8000"))
        WORKERS = os.getenv("WORKERS", 4)
        HOST = os.environ.get("HOST", "0.0.0.0")
        SECRET_KEY = os.environ["SECRET_KEY"]
        LOG_LEVEL = os.environ.get("LOG_LEVEL") or "info"
        os.environ["WRITTEN_ONLY"] = "1"
        name = "DYNAMIC"
        VALUE = os.getenv(name)
        if "SENTRY_DSN" in os.environ:
            pass
        TIMEOUT = os.getenv("TIMEOUT", 60 * 5)
        '''}, "python")
    assert found == {
        "DEBUG": var("DEBUG", "app/config.py", 3),
        "PORT": var("PORT", "app/config.py", 4, "8000"),
        "WORKERS": var("WORKERS", "app/config.py", 5, "4"),
        "HOST": var("HOST", "app/config.py", 6, "0.0.0.0"),
        "SECRET_KEY": var("SECRET_KEY", "app/config.py", 7, required=True, secret=True),
        "LOG_LEVEL": var("LOG_LEVEL", "app/config.py", 8, "info"),
        "SENTRY_DSN": var("SENTRY_DSN", "app/config.py", 12, secret=True),
        "TIMEOUT": var("TIMEOUT", "app/config.py", 14, "300"),
    }


def test_python_from_os_import(tmp_path):
    found = env_of(tmp_path, {"service/settings.py": '''
        from os import environ, getenv

        DATABASE_URL = environ["DATABASE_URL"]
        REGION = environ.get("REGION", "eu-west-1")
        CACHE_TTL = getenv("CACHE_TTL", "30")
        '''}, "python")
    assert found == {
        "DATABASE_URL": var("DATABASE_URL", "service/settings.py", 3, required=True, secret=True),
        "REGION": var("REGION", "service/settings.py", 4, "eu-west-1"),
        "CACHE_TTL": var("CACHE_TTL", "service/settings.py", 5, "30"),
    }


def test_python_setdefault_is_a_default(tmp_path):
    found = env_of(tmp_path, {"manage.py": '''
        #!/usr/bin/env python
        import os
        import sys

        if __name__ == "__main__":
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
            from django.core.management import execute_from_command_line
            execute_from_command_line(sys.argv)
        '''}, "python")
    assert found == {"DJANGO_SETTINGS_MODULE": var("DJANGO_SETTINGS_MODULE", "manage.py", 6, "config.settings.local")}


def test_django_environ_calls_and_scheme(tmp_path):
    found = env_of(tmp_path, {"config/settings.py": '''
        import environ

        env = environ.Env(DEBUG=(bool, False), ALLOWED_HOSTS=(list, ["localhost"]), TIME_ZONE=(str,))
        environ.Env.read_env()

        DEBUG = env("DEBUG")
        ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
        TIME_ZONE = env("TIME_ZONE")
        SECRET_KEY = env("SECRET_KEY")
        SITE_NAME = env.str("SITE_NAME", default="shop")
        USE_S3 = env.bool("USE_S3", default=False)
        DATABASES = {"default": env.db("DATABASE_URL")}
        CACHES = {"default": env.cache()}
        CORS_ORIGINS = env.list("CORS_ORIGINS", default=["http://localhost:3000", "http://127.0.0.1:3000"])
        ADMINS = env.list("ADMINS", str)
        PAGE_SIZE = env.int("PAGE_SIZE", 20)
        '''}, "python")
    assert found == {
        "DEBUG": var("DEBUG", "config/settings.py", 6, "False"),
        "ALLOWED_HOSTS": var("ALLOWED_HOSTS", "config/settings.py", 7, "localhost"),
        "TIME_ZONE": var("TIME_ZONE", "config/settings.py", 8, required=True),
        "SECRET_KEY": var("SECRET_KEY", "config/settings.py", 9, required=True, secret=True),
        "SITE_NAME": var("SITE_NAME", "config/settings.py", 10, "shop"),
        "USE_S3": var("USE_S3", "config/settings.py", 11, "False"),
        "DATABASE_URL": var("DATABASE_URL", "config/settings.py", 12, required=True, secret=True),
        "CACHE_URL": var("CACHE_URL", "config/settings.py", 13, required=True),
        "CORS_ORIGINS": var("CORS_ORIGINS", "config/settings.py", 14, "http://localhost:3000,http://127.0.0.1:3000"),
        "ADMINS": var("ADMINS", "config/settings.py", 15, required=True),
        "PAGE_SIZE": var("PAGE_SIZE", "config/settings.py", 16, "20"),
    }


def test_realistic_django_split_settings(tmp_path):
    """cookiecutter-style: base.py binds `env`, production.py imports it; tests and migrations are skipped."""
    found = env_of(tmp_path, {
        "manage.py": '''
            import os
            import sys

            def main():
                os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
            ''',
        "config/settings/base.py": '''
            from pathlib import Path

            import environ

            BASE_DIR = Path(__file__).resolve(strict=True).parent.parent.parent
            env = environ.Env()

            READ_DOT_ENV_FILE = env.bool("DJANGO_READ_DOT_ENV_FILE", default=False)
            if READ_DOT_ENV_FILE:
                env.read_env(str(BASE_DIR / ".env"))

            DEBUG = env.bool("DJANGO_DEBUG", False)
            TIME_ZONE = "UTC"
            DATABASES = {"default": env.db("DATABASE_URL")}
            REDIS_URL = env("REDIS_URL", default="redis://redis:6379/0")
            CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
            ''',
        "config/settings/production.py": '''
            from .base import *  # noqa: F403
            from .base import env

            SECRET_KEY = env("DJANGO_SECRET_KEY")
            ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["example.com"])
            DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
            EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=5)
            SENTRY_DSN = env("SENTRY_DSN")
            ''',
        "config/settings/test.py": '''
            from .base import env
            SECRET_KEY = env("DJANGO_SECRET_KEY", default="test-only")
            ONLY_IN_TESTS = env("ONLY_IN_TESTS")
            ''',
        "shop/migrations/0002_data.py": 'import os\nX = os.environ["MIGRATION_ONLY"]\n',
        "shop/tests/test_views.py": 'import os\nY = os.environ["TEST_ONLY"]\n',
        "shop/views.py": "from django.http import JsonResponse\n",
    }, "python")
    assert found == {
        "CELERY_BROKER_URL": var("CELERY_BROKER_URL", "config/settings/base.py", 16, secret=True),
        "CONN_MAX_AGE": var("CONN_MAX_AGE", "config/settings/production.py", 6, "60"),
        "DATABASE_URL": var("DATABASE_URL", "config/settings/base.py", 14, required=True, secret=True),
        "DJANGO_ALLOWED_HOSTS": var("DJANGO_ALLOWED_HOSTS", "config/settings/production.py", 5, "example.com"),
        "DJANGO_DEBUG": var("DJANGO_DEBUG", "config/settings/base.py", 12, "False"),
        "DJANGO_EMAIL_TIMEOUT": var("DJANGO_EMAIL_TIMEOUT", "config/settings/production.py", 7, "5"),
        "DJANGO_READ_DOT_ENV_FILE": var("DJANGO_READ_DOT_ENV_FILE", "config/settings/base.py", 8, "False"),
        "DJANGO_SECRET_KEY": var("DJANGO_SECRET_KEY", "config/settings/production.py", 4, required=True, secret=True),
        "DJANGO_SETTINGS_MODULE": var("DJANGO_SETTINGS_MODULE", "manage.py", 5, "config.settings.local"),
        "REDIS_URL": var("REDIS_URL", "config/settings/base.py", 15, secret=True),
        "SENTRY_DSN": var("SENTRY_DSN", "config/settings/production.py", 8, required=True, secret=True),
    }


def test_python_decouple(tmp_path):
    found = env_of(tmp_path, {"project/settings.py": '''
        from decouple import Csv, config

        SECRET_KEY = config("SECRET_KEY")
        DEBUG = config("DEBUG", default=False, cast=bool)
        ALLOWED_HOSTS = config("ALLOWED_HOSTS", "localhost,127.0.0.1", cast=Csv())
        EMAIL_PORT = config("EMAIL_PORT", cast=int)
        '''}, "python")
    assert found == {
        "SECRET_KEY": var("SECRET_KEY", "project/settings.py", 3, required=True, secret=True),
        "DEBUG": var("DEBUG", "project/settings.py", 4, "False"),
        "ALLOWED_HOSTS": var("ALLOWED_HOSTS", "project/settings.py", 5, "localhost,127.0.0.1"),
        "EMAIL_PORT": var("EMAIL_PORT", "project/settings.py", 6, required=True),
    }


def test_starlette_config_takes_the_cast_second(tmp_path):
    found = env_of(tmp_path, {"app/settings.py": '''
        from starlette.config import Config
        from starlette.datastructures import Secret

        config = Config(".env")

        DEBUG = config("DEBUG", cast=bool, default=False)
        DATABASE_URL = config("DATABASE_URL")
        API_PREFIX = config("API_PREFIX", str, "/api")
        SECRET = config("SECRET_KEY", cast=Secret)
        '''}, "python")
    assert found == {
        "DEBUG": var("DEBUG", "app/settings.py", 6, "False"),
        "DATABASE_URL": var("DATABASE_URL", "app/settings.py", 7, required=True, secret=True),
        "API_PREFIX": var("API_PREFIX", "app/settings.py", 8, required=True),
        "SECRET_KEY": var("SECRET_KEY", "app/settings.py", 9, required=True, secret=True),
    }


def test_fastapi_pydantic_settings_with_env_prefix(tmp_path):
    found = env_of(tmp_path, {
        "app/core/config.py": '''
            from pydantic import AliasChoices, BaseModel, Field, PostgresDsn, SecretStr
            from pydantic_settings import BaseSettings, SettingsConfigDict


            class SMTP(BaseModel):
                host: str = "localhost"


            class Settings(BaseSettings):
                model_config = SettingsConfigDict(env_file=".env", env_prefix="APP_", extra="ignore")

                project_name: str = "orders"
                debug: bool = False
                access_token_expire_minutes: int = 60 * 24
                secret_key: SecretStr
                database_url: PostgresDsn
                redis_host: str = Field(default="localhost")
                admin_email: str = Field(..., alias="ADMIN_EMAIL")
                sentry: str | None = Field(None, validation_alias=AliasChoices("SENTRY_DSN", "APP_SENTRY"))
                allowed_hosts: list[str] = Field(default_factory=list)
                smtp: SMTP = SMTP()
                _cache: dict = {}


            settings = Settings()
            ''',
        "app/core/worker_config.py": '''
            from pydantic_settings import BaseSettings


            class WorkerSettings(BaseSettings):
                concurrency: int = 2

                class Config:
                    env_prefix = "WORKER_"
                    case_sensitive = False


            class Exact(BaseSettings):
                model_config = {"case_sensitive": True}
                LogLevel: str = "INFO"
            ''',
    }, "python")
    path = "app/core/config.py"
    assert found == {
        "APP_PROJECT_NAME": var("APP_PROJECT_NAME", path, 12, "orders", source="settings"),
        "APP_DEBUG": var("APP_DEBUG", path, 13, "False", source="settings"),
        "APP_ACCESS_TOKEN_EXPIRE_MINUTES": var("APP_ACCESS_TOKEN_EXPIRE_MINUTES", path, 14, "1440", source="settings"),
        "APP_SECRET_KEY": var("APP_SECRET_KEY", path, 15, required=True, secret=True, source="settings"),
        "APP_DATABASE_URL": var("APP_DATABASE_URL", path, 16, required=True, secret=True, source="settings"),
        "APP_REDIS_HOST": var("APP_REDIS_HOST", path, 17, "localhost", source="settings"),
        "ADMIN_EMAIL": var("ADMIN_EMAIL", path, 18, required=True, source="settings"),
        "SENTRY_DSN": var("SENTRY_DSN", path, 19, secret=True, source="settings"),
        "APP_ALLOWED_HOSTS": var("APP_ALLOWED_HOSTS", path, 20, source="settings"),
        "WORKER_CONCURRENCY": var("WORKER_CONCURRENCY", "app/core/worker_config.py", 5, "2", source="settings"),
        "LogLevel": var("LogLevel", "app/core/worker_config.py", 14, "INFO", source="settings"),
    }


def test_python_wrapper_function_reads_its_argument(tmp_path):
    found = env_of(tmp_path, {
        "app/env.py": '''
            import os

            def get_env(name, default=None):
                return os.environ.get(name, default)
            ''',
        "app/main.py": '''
            from app.env import get_env

            PORT = get_env("PORT", "8080")
            REGION = get_env("REGION")
            ''',
    }, "python")
    assert found == {
        "PORT": var("PORT", "app/main.py", 3, "8080"),
        "REGION": var("REGION", "app/main.py", 4),
    }


def test_nested_delimiter_trusts_the_example_file(tmp_path):
    """Nested models are read as APP_DB__HOST: we cannot enumerate them, so the example's names stand."""
    found = env_of(tmp_path, {
        "app/config.py": '''
            from pydantic import BaseModel
            from pydantic_settings import BaseSettings, SettingsConfigDict

            class Database(BaseModel):
                host: str = "localhost"

            class Settings(BaseSettings):
                model_config = SettingsConfigDict(env_nested_delimiter="__")
                db: Database = Database()
                debug: bool = False
            ''',
        ".env.example": "DB__HOST=localhost\nDEBUG=true\n",
    }, "python")
    assert found == {
        "DB__HOST": var("DB__HOST", ".env.example", 1, source="example"),
        "DEBUG": var("DEBUG", "app/config.py", 10, "False", source="settings"),
    }


# -- Node --------------------------------------------------------------------------------------------
def test_node_process_env_reads(tmp_path):
    found = env_of(tmp_path, {
        "src/server.js": '''
            // process.env.COMMENTED_OUT is not read
            const port = process.env.PORT || 3000;
            const host = process.env["HOST"] ?? "0.0.0.0";
            const mode = process.env.NODE_ENV;
            const key = process.env['STRIPE_SECRET_KEY'];
            process.env.WRITTEN = "yes";
            if (process.env.DEBUG === "true") console.log("debug");
            const api = import.meta.env.VITE_API_URL;
            const name = "DYNAMIC";
            const dynamic = process.env[name];
            ''',
        "src/server.test.js": "const x = process.env.TEST_ONLY;\n",
        "jest.config.js": "module.exports = { verbose: process.env.CI };\n",
    }, "node")
    assert found == {
        "PORT": var("PORT", "src/server.js", 2, "3000"),
        "HOST": var("HOST", "src/server.js", 3, "0.0.0.0"),
        "NODE_ENV": var("NODE_ENV", "src/server.js", 4),
        "STRIPE_SECRET_KEY": var("STRIPE_SECRET_KEY", "src/server.js", 5, secret=True),
        "DEBUG": var("DEBUG", "src/server.js", 7),
    }


def test_node_destructuring(tmp_path):
    found = env_of(tmp_path, {"src/config.ts": '''
        const {
          DATABASE_URL,
          PORT = "4000",
          LOG_LEVEL: logLevel = 'info',
          ...rest
        } = process.env;
        '''}, "node")
    assert found == {
        "DATABASE_URL": var("DATABASE_URL", "src/config.ts", 2, secret=True),
        "PORT": var("PORT", "src/config.ts", 3, "4000"),
        "LOG_LEVEL": var("LOG_LEVEL", "src/config.ts", 4, "info"),
    }


def test_node_envalid(tmp_path):
    found = env_of(tmp_path, {"src/env.ts": '''
        import { cleanEnv, port, str, bool, url } from "envalid";

        export const env = cleanEnv(process.env, {
          PORT: port({ default: 3000 }),
          JWT_SECRET: str(),
          NODE_ENV: str({ choices: ["development", "test", "production"], default: "development" }),
          SENTRY_ENABLED: bool({ default: false }),
          API_BASE: url({ devDefault: "http://localhost:3000" }),
        });
        '''}, "node")
    assert found == {
        "PORT": var("PORT", "src/env.ts", 4, "3000", source="settings"),
        "JWT_SECRET": var("JWT_SECRET", "src/env.ts", 5, required=True, secret=True, source="settings"),
        "NODE_ENV": var("NODE_ENV", "src/env.ts", 6, "development", source="settings"),
        "SENTRY_ENABLED": var("SENTRY_ENABLED", "src/env.ts", 7, "false", source="settings"),
        "API_BASE": var("API_BASE", "src/env.ts", 8, required=True, source="settings"),
    }


def test_express_joi_config(tmp_path):
    """The node-express-boilerplate shape: src/config/config.js validates a Joi schema against process.env."""
    found = env_of(tmp_path, {
        "src/config/config.js": '''
            const dotenv = require('dotenv');
            const path = require('path');
            const Joi = require('joi');

            dotenv.config({ path: path.join(__dirname, '../../.env') });

            const envVarsSchema = Joi.object()
              .keys({
                NODE_ENV: Joi.string().valid('production', 'development', 'test').required(),
                PORT: Joi.number().default(3000),
                MONGODB_URL: Joi.string().required().description('Mongo DB url'),
                JWT_SECRET: Joi.string().required().description('JWT secret key'),
                JWT_ACCESS_EXPIRATION_MINUTES: Joi.number()
                  .default(30)
                  .description('minutes after which access tokens expire'),
                SMTP_HOST: Joi.string().description('server that will send the emails'),
                SMTP_PASSWORD: Joi.string().description('password for email server'),
              })
              .unknown();

            const { value: envVars, error } = envVarsSchema.prefs({ errors: { label: 'key' } }).validate(process.env);

            if (error) {
              throw new Error(`Config validation error: ${error.message}`);
            }

            module.exports = { env: envVars.NODE_ENV, port: envVars.PORT };
            ''',
        "src/validations/user.validation.js": '''
            const Joi = require('joi');
            const createUser = { body: Joi.object().keys({ email: Joi.string().required() }) };
            ''',
        ".env.example": "PORT=3000\nMONGODB_URL=mongodb://127.0.0.1:27017/app\nUNUSED_EXAMPLE=1\n",
        "docker-compose.yml": '''
            services:
              node-app:
                build: .
                environment:
                  - MONGODB_URL=mongodb://mongodb:27017/app
              mongodb:
                image: mongo:6
                environment:
                  MONGO_INITDB_ROOT_PASSWORD: example
            ''',
    }, "node")
    path = "src/config/config.js"
    assert found == {
        "NODE_ENV": var("NODE_ENV", path, 9, required=True, source="settings"),
        "PORT": var("PORT", path, 10, "3000", source="settings"),
        "MONGODB_URL": var("MONGODB_URL", path, 11, required=True, secret=True, source="settings"),
        "JWT_SECRET": var("JWT_SECRET", path, 12, required=True, secret=True, source="settings"),
        "JWT_ACCESS_EXPIRATION_MINUTES": var("JWT_ACCESS_EXPIRATION_MINUTES", path, 13, "30", source="settings"),
        "SMTP_HOST": var("SMTP_HOST", path, 16, source="settings"),
        "SMTP_PASSWORD": var("SMTP_PASSWORD", path, 17, secret=True, source="settings"),
    }


def test_node_zod_schema(tmp_path):
    found = env_of(tmp_path, {
        "src/env.ts": '''
            import { z } from "zod";

            const envSchema = z.object({
              DATABASE_URL: z.string().url(),
              PORT: z.coerce.number().default(3000),
              LOG_LEVEL: z.enum(["debug", "info"]).optional(),
              OPTIONS: z.object({ nested: z.string() }).optional(),
            });

            export const env = envSchema.parse(process.env);
            ''',
        "src/inline.ts": '''
            import { z } from "zod";
            export const other = z.object({ REDIS_HOST: z.string().default("localhost") }).parse(process.env);
            const body = z.object({ email: z.string() });
            ''',
    }, "node")
    assert found == {
        "DATABASE_URL": var("DATABASE_URL", "src/env.ts", 4, required=True, secret=True, source="settings"),
        "PORT": var("PORT", "src/env.ts", 5, "3000", source="settings"),
        "LOG_LEVEL": var("LOG_LEVEL", "src/env.ts", 6, source="settings"),
        "REDIS_HOST": var("REDIS_HOST", "src/inline.ts", 2, "localhost", source="settings"),
    }


def test_node_prisma_schema_env(tmp_path):
    found = env_of(tmp_path, {
        "prisma/schema.prisma": '''
            datasource db {
              provider = "postgresql"
              url      = env("DATABASE_URL")
              // shadowDatabaseUrl = env("SHADOW_DATABASE_URL")
            }
            ''',
        "src/main.ts": "const port = process.env.PORT || 3000;\n",
    }, "node")
    assert found == {
        "DATABASE_URL": var("DATABASE_URL", "prisma/schema.prisma", 3, required=True, secret=True, source="settings"),
        "PORT": var("PORT", "src/main.ts", 1, "3000"),
    }


# -- Go ----------------------------------------------------------------------------------------------
def test_go_getenv_checks(tmp_path):
    found = env_of(tmp_path, {
        "cmd/api/main.go": '''
            package main

            import (
                "log"
                "os"
            )

            func main() {
                dsn := os.Getenv("DATABASE_URL")
                if dsn == "" {
                    log.Fatal("DATABASE_URL is required")
                }
                port := os.Getenv("PORT")
                if port == "" {
                    port = "8080"
                }
                mode := os.Getenv("GIN_MODE")
                // os.Getenv("COMMENTED")
                key := "DYNAMIC"
                _ = os.Getenv(key)
                if os.Getenv("JWT_SECRET") == "" {
                    panic("JWT_SECRET not set")
                }
            }
            ''',
        "cmd/api/main_test.go": 'package main\nvar x = os.Getenv("TEST_ONLY")\n',
    }, "go")
    assert found == {
        "DATABASE_URL": var("DATABASE_URL", "cmd/api/main.go", 9, required=True, secret=True),
        "PORT": var("PORT", "cmd/api/main.go", 13, "8080"),
        "GIN_MODE": var("GIN_MODE", "cmd/api/main.go", 17),
        "JWT_SECRET": var("JWT_SECRET", "cmd/api/main.go", 21, required=True, secret=True),
    }


def test_go_lookupenv(tmp_path):
    found = env_of(tmp_path, {"internal/app/migrate.go": '''
        package app

        import (
            "errors"
            "os"
        )

        func load() (string, error) {
            url, ok := os.LookupEnv("PG_URL")
            if !ok || len(url) == 0 {
                return "", errors.New("PG_URL not declared")
            }
            level, found := os.LookupEnv("LOG_LEVEL")
            if !found {
                level = "info"
            }
            if v, ok := os.LookupEnv("TRACE"); ok {
                _ = v
            }
            return url + level, nil
        }
        '''}, "go")
    assert found == {
        "PG_URL": var("PG_URL", "internal/app/migrate.go", 9, required=True, secret=True),
        "LOG_LEVEL": var("LOG_LEVEL", "internal/app/migrate.go", 13, "info"),
        "TRACE": var("TRACE", "internal/app/migrate.go", 17),
    }


def test_go_wrapper_helper(tmp_path):
    found = env_of(tmp_path, {"config/env.go": '''
        package config

        import "os"

        func getEnv(key, fallback string) string {
            if value, ok := os.LookupEnv(key); ok {
                return value
            }
            return fallback
        }

        var Port = getEnv("PORT", "8080")
        var Region = getEnv("AWS_REGION", "eu-west-1")
        '''}, "go")
    assert found == {
        "PORT": var("PORT", "config/env.go", 12, "8080"),
        "AWS_REGION": var("AWS_REGION", "config/env.go", 13, "eu-west-1"),
    }


def test_go_caarlos0_tags_with_prefix(tmp_path):
    found = env_of(tmp_path, {"config/config.go": '''
        package config

        import "github.com/caarlos0/env/v11"

        type (
            Config struct {
                App  app
                PG   Postgres `envPrefix:"PG_"`
                Log  struct {
                    Level string `env:"LOG_LEVEL" envDefault:"info"`
                }
            }

            app struct {
                Name string `env:"APP_NAME,required"`
                Port string `env:"HTTP_PORT" envDefault:"8080"`
                Skip string `env:"-"`
            }
        )

        type Postgres struct {
            URL     string `env:"URL,required"`
            PoolMax int    `env:"POOL_MAX" envDefault:"2"`
        }

        type Cleanenv struct {
            Timeout string `env:"HTTP_TIMEOUT" env-default:"5s"`
            Key     string `env:"API_KEY" env-required:"true"`
        }

        func New() (*Config, error) {
            cfg := &Config{}
            return cfg, env.Parse(cfg)
        }
        '''}, "go")
    path = "config/config.go"
    assert found == {
        "LOG_LEVEL": var("LOG_LEVEL", path, 10, "info", source="settings"),
        "APP_NAME": var("APP_NAME", path, 15, required=True, source="settings"),
        "HTTP_PORT": var("HTTP_PORT", path, 16, "8080", source="settings"),
        "PG_URL": var("PG_URL", path, 22, required=True, secret=True, source="settings"),
        "PG_POOL_MAX": var("PG_POOL_MAX", path, 23, "2", source="settings"),
        "HTTP_TIMEOUT": var("HTTP_TIMEOUT", path, 27, "5s", source="settings"),
        "API_KEY": var("API_KEY", path, 28, required=True, secret=True, source="settings"),
    }


def test_go_kelseyhightower_envconfig(tmp_path):
    found = env_of(tmp_path, {
        "internal/config/config.go": '''
            package config

            import (
                "time"

                "github.com/kelseyhightower/envconfig"
            )

            type Database struct {
                Host string `default:"localhost"`
                Password string `required:"true"`
            }

            type Config struct {
                Port        int           `envconfig:"PORT" default:"8080"`
                Debug       bool
                ReadTimeout time.Duration `split_words:"true" default:"5s"`
                APIKey      string        `required:"true" split_words:"true"`
                Database    Database
                Ignored     string `ignored:"true"`
                internal    string
            }

            func Load() (*Config, error) {
                var cfg Config
                if err := envconfig.Process("orders", &cfg); err != nil {
                    return nil, err
                }
                return &cfg, nil
            }
            ''',
    }, "go")
    path = "internal/config/config.go"
    assert found == {
        "ORDERS_PORT": var("ORDERS_PORT", path, 15, "8080", source="settings"),
        "ORDERS_DEBUG": var("ORDERS_DEBUG", path, 16, source="settings"),
        "ORDERS_READ_TIMEOUT": var("ORDERS_READ_TIMEOUT", path, 17, "5s", source="settings"),
        "ORDERS_API_KEY": var("ORDERS_API_KEY", path, 18, required=True, secret=True, source="settings"),
        "ORDERS_DATABASE_HOST": var("ORDERS_DATABASE_HOST", path, 10, "localhost", source="settings"),
        "ORDERS_DATABASE_PASSWORD": var("ORDERS_DATABASE_PASSWORD", path, 11, required=True, secret=True,
                                        source="settings"),
    }


def test_go_realistic_config_package(tmp_path):
    """A service whose config package uses caarlos0 and whose main reads one more variable directly."""
    found = env_of(tmp_path, {
        "go.mod": "module example.com/orders\n\ngo 1.22\n",
        "config/config.go": '''
            package config

            type Config struct {
                HTTP struct {
                    Port string `env:"HTTP_PORT" envDefault:"8080"`
                }
                PG struct {
                    URL string `env:"PG_URL,required"`
                }
                JWT struct {
                    Secret string `env:"JWT_SECRET,required"`
                    TTL    string `env:"JWT_TOKEN_TTL" envDefault:"24h"`
                }
            }
            ''',
        "cmd/app/main.go": '''
            package main

            import "os"

            func main() {
                if os.Getenv("APP_ENV") == "production" {
                    return
                }
            }
            ''',
        ".env.example": "HTTP_PORT=8080\nPG_URL=postgres://user:pass@localhost:5432/db\nOLD_VAR=1\n",
    }, "go")
    assert found == {
        "APP_ENV": var("APP_ENV", "cmd/app/main.go", 6),
        "HTTP_PORT": var("HTTP_PORT", "config/config.go", 5, "8080", source="settings"),
        "JWT_SECRET": var("JWT_SECRET", "config/config.go", 11, required=True, secret=True, source="settings"),
        "JWT_TOKEN_TTL": var("JWT_TOKEN_TTL", "config/config.go", 12, "24h", source="settings"),
        "PG_URL": var("PG_URL", "config/config.go", 8, required=True, secret=True, source="settings"),
    }


def test_go_viper(tmp_path):
    files = {"internal/config/viper.go": '''
        package config

        import (
            "strings"

            "github.com/spf13/viper"
        )

        func Load() {
            viper.SetEnvPrefix("APP")
            viper.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
            viper.AutomaticEnv()
            viper.SetDefault("db.host", "localhost")
            _ = viper.BindEnv("sentry.dsn", "SENTRY_DSN")
            host := viper.GetString("db.host")
            port := viper.GetInt("http.port")
            _, _ = host, port
        }
        ''', ".env.example": "APP_DB_HOST=db\nAPP_FEATURE_FLAG=on\n"}
    found = env_of(tmp_path, files, "go")
    path = "internal/config/viper.go"
    assert found == {
        "SENTRY_DSN": var("SENTRY_DSN", path, 14, secret=True, source="settings"),
        "APP_DB_HOST": var("APP_DB_HOST", path, 15, "localhost", source="settings"),
        "APP_HTTP_PORT": var("APP_HTTP_PORT", path, 16, source="settings"),
        # AutomaticEnv reads any key: the example's other names are believed, as examples.
        "APP_FEATURE_FLAG": var("APP_FEATURE_FLAG", ".env.example", 2, source="example"),
    }


def test_go_viper_without_automatic_env_invents_nothing(tmp_path):
    found = env_of(tmp_path, {"config.go": '''
        package config

        import "github.com/spf13/viper"

        func Load() string {
            viper.SetConfigFile("config.yaml")
            _ = viper.ReadInConfig()
            return viper.GetString("db.host")
        }
        '''}, "go")
    assert found == {}


def test_go_koanf_env_provider(tmp_path):
    found = env_of(tmp_path, {"config/koanf.go": '''
        package config

        import (
            "strings"

            "github.com/knadh/koanf/providers/env"
            "github.com/knadh/koanf/v2"
        )

        var k = koanf.New(".")

        func Load() string {
            _ = k.Load(env.Provider("SHOP_", ".", func(s string) string {
                return strings.Replace(strings.ToLower(strings.TrimPrefix(s, "SHOP_")), "_", ".", -1)
            }), nil)
            return k.String("server.addr")
        }
        '''}, "go")
    assert found == {"SHOP_SERVER_ADDR": var("SHOP_SERVER_ADDR", "config/koanf.go", 16, source="settings")}


# -- merging, examples, secrets ----------------------------------------------------------------------
def test_first_read_wins_but_any_required_read_makes_it_required(tmp_path):
    found = env_of(tmp_path, {
        "app/a.py": 'import os\nURL = os.getenv("API_HOST")\n',
        "app/b.py": 'import os\nURL = os.environ["API_HOST"]\nT = os.getenv("TIMEOUT")\n',
        "app/c.py": 'import os\nT = os.getenv("TIMEOUT", "10")\n',
    }, "python")
    assert found == {
        "API_HOST": var("API_HOST", "app/a.py", 2, required=True),
        "TIMEOUT": var("TIMEOUT", "app/b.py", 3, "10"),
    }


def test_only_the_service_root_is_read(tmp_path):
    found = env_of(tmp_path, {
        "backend/app/main.py": 'import os\nA = os.getenv("BACKEND_VAR")\n',
        "scripts/seed.py": 'import os\nB = os.getenv("SCRIPT_VAR")\n',
    }, "python", root="backend")
    assert list(found) == ["BACKEND_VAR"]


def test_example_only_names_are_not_returned_and_compose_urls_mark_secrets(tmp_path):
    found = env_of(tmp_path, {
        "app/main.py": 'import os\nURL = os.getenv("SEARCH_URL", "http://localhost:9200")\n',
        "docker-compose.yml": '''
            services:
              web:
                build:
                  context: .
                environment:
                  SEARCH_URL: http://elastic:changeme@search:9200
              db:
                image: postgres:16
                environment:
                  - POSTGRES_PASSWORD=postgres
            ''',
        ".env.example": "POSTGRES_PASSWORD=postgres\nSEARCH_URL=http://search:9200\n",
    }, "python")
    assert found == {"SEARCH_URL": var("SEARCH_URL", "app/main.py", 2, secret=True)}


def test_example_values(tmp_path):
    repo = write_repo(tmp_path / "repo", {
        "api/.env.example": 'export PORT=8000\nDATABASE_URL="postgres://app:app@db/app"  # local\n',
        ".env.sample": "PORT=9999\nLOG_LEVEL=debug # noisy\nEMPTY=\n",
        "api/worker.env.example": "QUEUE=default\n",
    }, git=False)
    assert example_values(RepoTree(repo), "api") == {
        "PORT": ("8000", Evidence("api/.env.example", 1)),
        "DATABASE_URL": ("postgres://app:app@db/app", Evidence("api/.env.example", 2)),
        "QUEUE": ("default", Evidence("api/worker.env.example", 1)),
        "LOG_LEVEL": ("debug", Evidence(".env.sample", 2)),
        "EMPTY": ("", Evidence(".env.sample", 3)),
    }


def test_is_secret_name():
    secret = ["SECRET_KEY", "DB_PASSWORD", "PGPASSWORD", "GITHUB_TOKEN", "STRIPE_API_KEY", "OPENAI_APIKEY",
              "JWT_PRIVATE_KEY", "GOOGLE_APPLICATION_CREDENTIALS", "SENTRY_DSN", "DATABASE_URL", "REDIS_URL",
              "TEST_DATABASE_URL", "MONGODB_URI", "CELERY_BROKER_URL", "smtp_password"]
    plain = ["PORT", "DEBUG", "ACCESS_TOKEN_EXPIRE_MINUTES", "JWT_TOKEN_EXPIRY", "SEARCH_URL", "TOKENIZER_MODEL",
             "LOG_LEVEL", "PASSWORD_MIN_LENGTH"]
    assert [n for n in secret if not is_secret_name(n)] == []
    assert [n for n in plain if is_secret_name(n)] == []


def test_unknown_language_reads_nothing(tmp_path):
    assert env_of(tmp_path, {"main.rb": 'ENV["X"]\n'}, "ruby") == {}


# -- speed -------------------------------------------------------------------------------------------
def test_twenty_thousand_files(tmp_path):
    """A large repo outside git: the tree is walked and every source file passes the byte prefilter;
    only the few that mention a mechanism are parsed. Timed for the report, asserted for correctness."""
    files = {}
    for i in range(20_000):
        folder = f"app/pkg{i // 200}"
        if i % 2000 == 0:
            files[f"{folder}/settings_{i}.py"] = f'import os\nVALUE = os.getenv("VAR_{i}", "{i}")\n'
        elif i % 2000 == 1:
            files[f"{folder}/tests/test_{i}.py"] = f'import os\nVALUE = os.environ["TEST_{i}"]\n'
        else:
            files[f"{folder}/module_{i}.py"] = f"def handler_{i}(request):\n    return {{'id': {i}}}\n"
    repo = tmp_path / "big"
    for relative, text in files.items():
        path = repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    tree = RepoTree(repo)
    started, cpu = time.perf_counter(), time.process_time()
    found = read_env(tree, "", "python")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert len(tree.files) == 20_000
    assert [v.name for v in found] == sorted(f"VAR_{i}" for i in range(0, 20_000, 2000))
    assert found[0] == var("VAR_0", "app/pkg0/settings_0.py", 2, "0")
    print(f"read_env over 20,000 files (walk included): {elapsed:.3f} s wall, {cpu:.3f} s CPU")
