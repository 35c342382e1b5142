"""Whole repos, one per common shape, for the end-to-end adoption tests.

Each is our own small text in the layout real services use (the shapes are listed in
`../shared/reference/peers.md`): Django with its own test runner and stdlib logging, FastAPI with
sync SQLAlchemy, Express 4 in CommonJS, Go with gin and GORM, a monorepo with the service in
`backend/`, a repo with two services, and an empty repo.
"""

from __future__ import annotations

DJANGO_UNITTEST = {
    "manage.py": """
        #!/usr/bin/env python
        import os
        import sys

        if __name__ == "__main__":
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
            from django.core.management import execute_from_command_line
            execute_from_command_line(sys.argv)
    """,
    "requirements.txt": """
        Django==4.2.11
        psycopg2-binary==2.9.9
        gunicorn==21.2.0
    """,
    "mysite/__init__.py": "",
    "mysite/settings.py": """
        import os
        from pathlib import Path

        BASE_DIR = Path(__file__).resolve().parent.parent
        SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
        DEBUG = os.environ.get("DJANGO_DEBUG", "false") == "true"
        ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")
        INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "polls"]
        ROOT_URLCONF = "mysite.urls"
        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": os.environ.get("POSTGRES_DB", "polls"),
                "USER": os.environ.get("POSTGRES_USER", "polls"),
                "PASSWORD": os.environ["POSTGRES_PASSWORD"],
                "HOST": os.environ.get("POSTGRES_HOST", "localhost"),
            }
        }
        LOGGING = {
            "version": 1,
            "handlers": {"console": {"class": "logging.StreamHandler"}},
            "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
        }
    """,
    "mysite/urls.py": """
        from django.urls import include, path

        urlpatterns = [path("polls/", include("polls.urls"))]
    """,
    "mysite/wsgi.py": """
        import os

        from django.core.wsgi import get_wsgi_application

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
        application = get_wsgi_application()
    """,
    "polls/__init__.py": "",
    "polls/models.py": """
        from django.db import models


        class Question(models.Model):
            text = models.CharField(max_length=200)
    """,
    "polls/forms.py": """
        from django import forms


        class VoteForm(forms.Form):
            choice = forms.IntegerField(min_value=1)
    """,
    "polls/views.py": """
        import logging

        from django.http import JsonResponse

        from .forms import VoteForm
        from .models import Question

        logger = logging.getLogger(__name__)


        def vote(request, pk):
            form = VoteForm(request.POST)
            if not form.is_valid():
                return JsonResponse(form.errors, status=422)
            logger.info("vote recorded for %s", pk)
            return JsonResponse({"question": Question.objects.get(pk=pk).text})
    """,
    "polls/urls.py": """
        from django.urls import path

        from . import views

        urlpatterns = [path("<int:pk>/vote/", views.vote)]
    """,
    "polls/migrations/__init__.py": "",
    "polls/migrations/0001_initial.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            operations = [migrations.CreateModel(name="Question", fields=[("text", models.CharField(max_length=200))])]
    """,
    "polls/tests.py": """
        from django.test import TestCase

        from .models import Question


        class VoteTests(TestCase):
            def test_vote_needs_a_choice(self):
                question = Question.objects.create(text="Tea?")
                response = self.client.post(f"/polls/{question.pk}/vote/", {})
                self.assertEqual(response.status_code, 422)
    """,
    "Makefile": """
        test:
        \tpython manage.py test
    """,
    "setup.cfg": """
        [flake8]
        max-line-length = 100
    """,
    "Procfile": "web: gunicorn mysite.wsgi --log-file -\n",
    ".env.example": """
        DJANGO_SECRET_KEY=change-me
        POSTGRES_PASSWORD=change-me
    """,
    "CLAUDE.md": "# Polls\n\nOur own notes for Claude: keep views small.\n",
    "docs/architecture.md": "# Architecture\n\nSee `polls/views.py` and [the API](api.md).\n",
}

FASTAPI_SYNC = {
    "requirements.txt": """
        fastapi==0.110.0
        uvicorn[standard]==0.29.0
        SQLAlchemy==2.0.29
        alembic==1.13.1
        psycopg2-binary==2.9.9
        pydantic-settings==2.2.1
        pytest==8.1.1
        httpx==0.27.0
    """,
    "app/__init__.py": "",
    "app/main.py": """
        import logging

        from fastapi import FastAPI

        from app.api import router

        logging.basicConfig(level=logging.INFO)
        app = FastAPI(title="Notes")
        app.include_router(router)
    """,
    "app/config.py": """
        from pydantic_settings import BaseSettings, SettingsConfigDict


        class Settings(BaseSettings):
            model_config = SettingsConfigDict(env_prefix="NOTES_")

            database_url: str
            log_level: str = "INFO"


        settings = Settings()
    """,
    "app/db.py": """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker

        from app.config import settings

        engine = create_engine(settings.database_url)
        SessionLocal = sessionmaker(bind=engine)
    """,
    "app/api.py": """
        import logging

        from fastapi import APIRouter
        from pydantic import BaseModel

        router = APIRouter()
        logger = logging.getLogger(__name__)


        class NoteIn(BaseModel):
            text: str


        @router.post("/notes", status_code=201)
        def create_note(note: NoteIn) -> dict:
            logger.info("note created")
            return {"text": note.text}
    """,
    "alembic.ini": "[alembic]\nscript_location = migrations\n",
    "migrations/env.py": "from alembic import context\n",
    "migrations/versions/0001_notes.py": "revision = '0001'\n",
    "tests/__init__.py": "",
    "tests/test_notes.py": """
        from fastapi.testclient import TestClient

        from app.main import app

        client = TestClient(app)


        def test_create_note():
            response = client.post("/notes", json={"text": "hi"})
            assert response.status_code == 201
    """,
    ".github/workflows/ci.yml": """
        name: ci
        on: [push]
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: pip install -r requirements.txt
              - run: pytest -q
    """,
}

EXPRESS_COMMONJS = {
    "package.json": """
        {
          "name": "shop-api",
          "version": "1.0.0",
          "main": "src/index.js",
          "scripts": {
            "start": "node src/index.js",
            "test": "jest --runInBand",
            "lint": "eslint ."
          },
          "dependencies": {
            "dotenv": "^16.4.5",
            "express": "^4.19.2",
            "joi": "^17.12.3",
            "mongoose": "^8.3.1",
            "winston": "^3.13.0"
          },
          "devDependencies": {
            "eslint": "^8.57.0",
            "jest": "^29.7.0",
            "supertest": "^7.0.0"
          }
        }
    """,
    "package-lock.json": '{"name": "shop-api", "lockfileVersion": 3, "packages": {"node_modules/express": {"version": "4.19.2"}}}\n',
    ".eslintrc.json": '{"extends": "eslint:recommended"}\n',
    "src/index.js": """
        require('dotenv').config();
        const app = require('./app');
        const config = require('./config');

        app.listen(config.port);
    """,
    "src/app.js": """
        const express = require('express');
        const orders = require('./routes/orders');

        const app = express();
        app.use(express.json());
        app.use('/orders', orders);
        module.exports = app;
    """,
    "src/config.js": """
        module.exports = {
          port: process.env.PORT || 3000,
          mongoUrl: process.env.MONGODB_URL,
          jwtSecret: process.env.JWT_SECRET,
        };
    """,
    "src/logger.js": """
        const winston = require('winston');

        module.exports = winston.createLogger({ level: process.env.LOG_LEVEL || 'info' });
    """,
    "src/models/order.js": """
        const mongoose = require('mongoose');

        module.exports = mongoose.model('Order', new mongoose.Schema({ sku: String }));
    """,
    "src/routes/orders.js": """
        const express = require('express');
        const Joi = require('joi');
        const logger = require('../logger');

        const router = express.Router();
        const schema = Joi.object({ sku: Joi.string().required() });

        router.post('/', (req, res) => {
          const { error } = schema.validate(req.body);
          if (error) return res.status(422).json({ message: error.message });
          logger.info('order created');
          return res.status(201).json(req.body);
        });

        module.exports = router;
    """,
    "tests/orders.test.js": """
        const request = require('supertest');
        const app = require('../src/app');

        test('rejects an order without sku', async () => {
          const response = await request(app).post('/orders').send({});
          expect(response.status).toBe(422);
        });
    """,
}

GO_GIN = {
    "go.mod": """
        module github.com/example/inventory

        go 1.22

        require (
        \tgithub.com/gin-gonic/gin v1.9.1
        \tgo.uber.org/zap v1.27.0
        \tgorm.io/driver/postgres v1.5.7
        \tgorm.io/gorm v1.25.9
        )
    """,
    "cmd/server/main.go": """
        package main

        import (
        \t"os"

        \t"github.com/example/inventory/internal/api"
        \t"go.uber.org/zap"
        \t"gorm.io/driver/postgres"
        \t"gorm.io/gorm"
        )

        func main() {
        \tlogger, _ := zap.NewProduction()
        \tdb, err := gorm.Open(postgres.Open(os.Getenv("DATABASE_URL")), &gorm.Config{})
        \tif err != nil {
        \t\tlogger.Fatal("database", zap.Error(err))
        \t}
        \tdb.AutoMigrate(&api.Item{})
        \tr := api.Router(db, logger)
        \tport := os.Getenv("PORT")
        \tif port == "" {
        \t\tport = "8080"
        \t}
        \tr.Run(":" + port)
        }
    """,
    "internal/api/router.go": """
        package api

        import (
        \t"net/http"

        \t"github.com/gin-gonic/gin"
        \t"go.uber.org/zap"
        \t"gorm.io/gorm"
        )

        type Item struct {
        \tID   uint   `json:"id"`
        \tName string `json:"name" binding:"required"`
        }

        func Router(db *gorm.DB, logger *zap.Logger) *gin.Engine {
        \tr := gin.New()
        \tr.POST("/items", func(c *gin.Context) {
        \t\tvar item Item
        \t\tif err := c.ShouldBindJSON(&item); err != nil {
        \t\t\tc.JSON(http.StatusUnprocessableEntity, gin.H{"error": err.Error()})
        \t\t\treturn
        \t\t}
        \t\tdb.Create(&item)
        \t\tlogger.Info("item created")
        \t\tc.JSON(http.StatusCreated, item)
        \t})
        \treturn r
        }
    """,
    "internal/api/router_test.go": """
        package api

        import (
        \t"net/http"
        \t"net/http/httptest"
        \t"strings"
        \t"testing"
        )

        func TestCreateItemNeedsName(t *testing.T) {
        \tr := Router(nil, nil)
        \tw := httptest.NewRecorder()
        \treq := httptest.NewRequest(http.MethodPost, "/items", strings.NewReader("{}"))
        \tr.ServeHTTP(w, req)
        \tif w.Code != http.StatusUnprocessableEntity {
        \t\tt.Fatalf("got %d", w.Code)
        \t}
        }
    """,
    "Makefile": """
        test:
        \tgo test -race ./...
    """,
}

MONOREPO = {
    "README.md": "# Shop\n\nbackend/ is the API, frontend/ the web app.\n",
    **{f"backend/{path}": text for path, text in DJANGO_UNITTEST.items() if path not in ("CLAUDE.md", "docs/architecture.md")},
    "frontend/package.json": '{"name": "web", "dependencies": {"react": "^18.2.0", "vite": "^5.2.0"}}\n',
    "frontend/src/main.jsx": "import React from 'react';\n",
}

TWO_SERVICES = {
    **{f"api/{path}": text for path, text in FASTAPI_SYNC.items() if not path.startswith(".github/")},
    **{f"gateway/{path}": text for path, text in EXPRESS_COMMONJS.items()},
}

EMPTY = {"README.md": "# A new service\n"}
