"""Go detection on fixture services shaped like real ones (our own, smaller files).

Shapes followed: a gin + GORM monolith with AutoMigrate (golang-gin-realworld-example-app,
go-gin-example), a chi + sqlx service with cmd/api and golang-migrate Make targets
(wild-workouts, evrone/go-clean-template), a standard-library service with goose migrations built
into the binary (learning-cloud-native-go/myapp), an echo + asynq API with a worker, a library,
a CLI, and a Go backend next to a frontend.
"""

from __future__ import annotations

from pathlib import Path

from repos import write_repo

from scaffold.detect import golang
from scaffold.detect.commands import RepoCommands
from scaffold.detect.model import Confidence, Evidence, Fact
from scaffold.detect.tree import RepoTree


def detect_go(tmp_path: Path, files: dict[str, str]) -> tuple[list[Fact], dict[str, Fact], object]:
    """The candidates, the facts by concern and the reading of the first candidate's module."""
    tree = RepoTree(write_repo(tmp_path / "repo", files))
    found = golang.candidates(tree)
    root = found[0].details["root"] if found else ""
    reading = golang.read(tree, root, "go", RepoCommands(tree, root))
    return found, {fact.concern: fact for fact in reading.facts}, reading


# -- (1) gin + GORM AutoMigrate + zap + viper + testify ------------------------------------------
GIN_GORM = {
    "go.mod": """
        module github.com/acme/shop

        go 1.22

        toolchain go1.22.4

        require (
        	github.com/gin-gonic/gin v1.9.1
        	github.com/spf13/viper v1.18.2
        	github.com/stretchr/testify v1.9.0
        	go.uber.org/zap v1.27.0
        	gorm.io/driver/postgres v1.5.7
        	gorm.io/gorm v1.25.9
        )

        require (
        	github.com/jackc/pgx/v5 v5.5.5 // indirect
        	github.com/go-playground/validator/v10 v10.19.0 // indirect
        )
        """,
    "main.go": """
        package main

        import (
        	"github.com/acme/shop/config"
        	"github.com/acme/shop/models"
        	"github.com/acme/shop/pkg/logger"
        	"github.com/acme/shop/routers"
        )

        func main() {
        	cfg := config.Load()
        	log := logger.New(cfg.Env)
        	db := models.Open(cfg.DSN)
        	db.AutoMigrate(&models.Product{})
        	routers.New(db, log).Run(cfg.Addr)
        }
        """,
    "config/config.go": """
        package config

        import "github.com/spf13/viper"

        type Config struct{ Env, DSN, Addr string }

        func Load() Config {
        	viper.SetConfigName("config")
        	viper.AutomaticEnv()
        	_ = viper.ReadInConfig()
        	return Config{Env: viper.GetString("ENV"), DSN: viper.GetString("DSN"), Addr: viper.GetString("ADDR")}
        }
        """,
    "pkg/logger/logger.go": """
        package logger

        import "go.uber.org/zap"

        func New(env string) *zap.Logger {
        	if env == "local" {
        		l, _ := zap.NewDevelopment()
        		return l
        	}
        	l, _ := zap.NewProduction()
        	return l
        }
        """,
    "models/product.go": """
        package models

        import (
        	"gorm.io/driver/postgres"
        	"gorm.io/gorm"
        )

        type Product struct {
        	gorm.Model
        	Name  string `json:"name" binding:"required"`
        	Price int    `json:"price"`
        }

        func Open(dsn string) *gorm.DB {
        	db, _ := gorm.Open(postgres.Open(dsn), &gorm.Config{})
        	return db
        }
        """,
    "routers/router.go": """
        package routers

        import (
        	"github.com/gin-gonic/gin"
        	"go.uber.org/zap"
        	"gorm.io/gorm"
        )

        func New(db *gorm.DB, log *zap.Logger) *gin.Engine {
        	r := gin.New()
        	api := r.Group("/api/v1")
        	api.GET("/products", listProducts(db))
        	api.POST("/products", createProduct(db))
        	return r
        }
        """,
    "routers/products.go": """
        package routers

        import (
        	"github.com/gin-gonic/gin"
        	"gorm.io/gorm"
        )

        func listProducts(db *gorm.DB) gin.HandlerFunc { return func(c *gin.Context) {} }
        func createProduct(db *gorm.DB) gin.HandlerFunc { return func(c *gin.Context) {} }
        """,
    "routers/products_test.go": """
        package routers

        import (
        	"net/http"
        	"net/http/httptest"
        	"testing"

        	"github.com/stretchr/testify/suite"
        )

        type ProductSuite struct{ suite.Suite }

        func (s *ProductSuite) TestList() {
        	w := httptest.NewRecorder()
        	req := httptest.NewRequest(http.MethodGet, "/api/v1/products", nil)
        	New(nil, nil).ServeHTTP(w, req)
        	s.Equal(http.StatusOK, w.Code)
        }

        func TestProducts(t *testing.T) { suite.Run(t, new(ProductSuite)) }
        """,
    "models/testdata/product.golden": "{}\n",
    "Makefile": """
        .PHONY: test lint

        test:
        	go test -race -coverprofile=cover.out ./...

        lint:
        	golangci-lint run ./...
        """,
    ".golangci.yml": """
        version: "2"
        linters:
          default: standard
        """,
    "Dockerfile": """
        FROM golang:1.22-alpine AS build
        WORKDIR /src
        COPY . .
        RUN CGO_ENABLED=0 go build -o /out/shop .

        FROM gcr.io/distroless/static:nonroot
        COPY --from=build /out/shop /shop
        ENTRYPOINT ["/shop"]
        """,
}


def test_gin_gorm_service(tmp_path: Path) -> None:
    found, facts, reading = detect_go(tmp_path, GIN_GORM)

    assert [(f.id, f.label, f.evidence, f.confidence) for f in found] == [
        ("go", "Go service (gin)", Evidence("go.mod", 8), Confidence.high)
    ]
    assert found[0].details == {"root": "", "module": "github.com/acme/shop"}
    language = facts["language"]
    assert (language.label, language.evidence, language.details) == (
        "Go 1.22", Evidence("go.mod", 3), {"version": "1.22", "toolchain": "1.22.4"})
    framework = facts["framework"]
    assert (framework.id, framework.label, framework.evidence, framework.details) == (
        "gin", "gin v1.9.1", Evidence("go.mod", 8), {"version": "v1.9.1"})
    # The postgres driver for GORM is pgx; the indirect pgx require alone proves nothing.
    database = facts["database"]
    assert (database.id, database.evidence, database.details) == ("postgresql", Evidence("go.mod", 12), {"driver": "pgx"})
    assert (facts["orm"].id, facts["orm"].label, facts["orm"].evidence) == ("gorm", "GORM v1.25.9", Evidence("go.mod", 13))
    migrations = facts["migrations"]
    assert (migrations.id, migrations.evidence) == ("gorm-automigrate", Evidence("main.go", 14))
    # AutoMigrate has no create/rollback step: no command is invented for it.
    assert not {"create", "apply", "rollback", "verify"} & migrations.details.keys()
    test = facts["test"]
    assert (test.id, test.label, test.evidence, test.confidence) == (
        "go-test", "go test with testify v1.9.0", Evidence("Makefile", 4), Confidence.high)
    assert test.details == {
        "layout": "*_test.go next to the code",
        "run": "make test",
        "coverage_run": "make test",
        "coverage_tool": "go test -coverprofile (go tool cover)",
        "fixtures": "testify suites, golden files in testdata/",
        "http_client": "net/http/httptest",
    }
    assert "fail_under" not in test.details  # coverage is measured, not gated
    logging = facts["logging"]
    assert (logging.id, logging.label, logging.evidence, logging.details["setup"]) == (
        "zap", "zap v1.27.0", Evidence("go.mod", 11), "pkg/logger/logger.go")
    # validator is only an indirect require: gin's binding tags are what validates here.
    validation = facts["validation"]
    assert (validation.id, validation.evidence, validation.confidence) == (
        "go-playground-validator", Evidence("models/product.go", 10), Confidence.medium)
    settings = facts["settings"]
    assert (settings.id, settings.label, settings.evidence, settings.details["path"]) == (
        "viper", "viper v1.18.2", Evidence("go.mod", 9), "config/config.go")
    lint = facts["lint"]
    assert (lint.id, lint.label, lint.evidence) == ("golangci-lint", "golangci-lint (config v2)", Evidence(".golangci.yml"))
    assert lint.details == {"config": ".golangci.yml", "version": "2", "run": "make lint"}
    assert facts["package_manager"].details == {"install": "go mod download"}
    container = facts["container"]
    assert (container.evidence, container.details["base"], container.details["cmd"]) == (
        Evidence("Dockerfile", 6), "gcr.io/distroless/static:nonroot", "/shop")
    assert (facts["process"].id, facts["process"].details, facts["process"].evidence) == (
        "binary", {"cmd": "/shop"}, Evidence("Dockerfile", 8))
    assert "cache" not in facts and "queue" not in facts and "api_docs" not in facts
    assert {k: str(v) for k, v in reading.exemplars.items()} == {
        "route": "routers/router.go",
        "model": "models/product.go",
        "migration": "main.go",
        "test": "routers/products_test.go",
        "logging": "pkg/logger/logger.go",
        "settings": "config/config.go",
    }


# -- (2) chi + sqlx + golang-migrate + zerolog + envconfig, cmd/api + internal/ -----------------
CHI_SQLX = {
    "go.mod": """
        module github.com/acme/billing

        go 1.21.5

        require (
        	github.com/go-chi/chi/v5 v5.0.12
        	github.com/golang-migrate/migrate/v4 v4.17.1
        	github.com/jmoiron/sqlx v1.3.5
        	github.com/kelseyhightower/envconfig v1.4.0
        	github.com/lib/pq v1.10.9
        	github.com/rs/zerolog v1.32.0
        	github.com/testcontainers/testcontainers-go v0.29.1
        )
        """,
    "cmd/api/main.go": """
        package main

        import (
        	"net/http"

        	"github.com/acme/billing/internal/config"
        	"github.com/acme/billing/internal/server"
        	"github.com/rs/zerolog"
        	"github.com/rs/zerolog/log"
        )

        func main() {
        	zerolog.SetGlobalLevel(zerolog.InfoLevel)
        	cfg := config.MustLoad()
        	log.Info().Msg("starting")
        	_ = http.ListenAndServe(cfg.Addr, server.Routes())
        }
        """,
    "internal/config/config.go": """
        package config

        import "github.com/kelseyhightower/envconfig"

        type Config struct {
        	Addr        string `envconfig:"ADDR" default:":8080"`
        	DatabaseURL string `envconfig:"DATABASE_URL" required:"true"`
        }

        func MustLoad() Config {
        	var c Config
        	envconfig.MustProcess("", &c)
        	return c
        }
        """,
    "internal/server/routes.go": """
        package server

        import (
        	"net/http"

        	"github.com/go-chi/chi/v5"
        )

        func Routes() http.Handler {
        	r := chi.NewRouter()
        	r.Get("/healthz", health)
        	r.Route("/api/v1/invoices", func(r chi.Router) {
        		r.Get("/", listInvoices)
        		r.Post("/", createInvoice)
        	})
        	return r
        }
        """,
    "internal/server/invoices.go": """
        package server

        import "net/http"

        func health(w http.ResponseWriter, r *http.Request)         {}
        func listInvoices(w http.ResponseWriter, r *http.Request)   {}
        func createInvoice(w http.ResponseWriter, r *http.Request)  {}
        """,
    "internal/server/invoices_test.go": """
        package server

        import (
        	"net/http/httptest"
        	"testing"
        )

        func TestHealth(t *testing.T) {
        	rec := httptest.NewRecorder()
        	Routes().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
        }
        """,
    "internal/store/invoices.go": """
        package store

        import (
        	"context"

        	"github.com/jmoiron/sqlx"
        	_ "github.com/lib/pq"
        )

        type Invoice struct {
        	ID    int64 `db:"id"`
        	Total int64 `db:"total"`
        }

        func List(ctx context.Context, db *sqlx.DB) ([]Invoice, error) {
        	var out []Invoice
        	return out, db.SelectContext(ctx, &out, "SELECT id, total FROM invoices")
        }
        """,
    "migrations/000001_create_invoices.up.sql": "CREATE TABLE invoices (id bigserial PRIMARY KEY, total bigint);\n",
    "migrations/000001_create_invoices.down.sql": "DROP TABLE invoices;\n",
    "migrations/000002_add_customer.up.sql": "ALTER TABLE invoices ADD customer text;\n",
    "migrations/000002_add_customer.down.sql": "ALTER TABLE invoices DROP customer;\n",
    "Makefile": """
        DB_URL ?= postgres://app:app@localhost:5432/billing?sslmode=disable

        test:
        	go test -race ./...

        test-integration:
        	go test -tags integration ./...

        migrate-create:
        	migrate create -ext sql -dir migrations -seq $(name)

        migrate-up:
        	migrate -path migrations -database "$(DB_URL)" up

        migrate-down:
        	migrate -path migrations -database "$(DB_URL)" down 1

        migrate-drop:
        	migrate -path migrations -database "$(DB_URL)" drop -f
        """,
    ".github/workflows/ci.yml": """
        name: ci
        on: [push]
        jobs:
          lint:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - uses: golangci/golangci-lint-action@v6
              - run: test -z "$(gofmt -l .)"
          test:
            runs-on: ubuntu-latest
            steps:
              - run: make test
        """,
}


def test_chi_sqlx_golang_migrate_make_targets(tmp_path: Path) -> None:
    found, facts, reading = detect_go(tmp_path, CHI_SQLX)

    assert [(f.label, f.evidence, f.confidence) for f in found] == [
        ("Go service (chi)", Evidence("go.mod", 6), Confidence.high)]
    assert facts["language"].details == {"version": "1.21.5"}
    assert (facts["framework"].id, facts["framework"].label) == ("chi", "chi v5.0.12")
    database = facts["database"]
    assert (database.id, database.evidence, database.details) == ("postgresql", Evidence("go.mod", 10), {"driver": "lib-pq"})
    orm = facts["orm"]
    assert (orm.id, orm.label, orm.evidence) == ("sqlx", "sqlx v1.3.5", Evidence("go.mod", 8))
    migrations = facts["migrations"]
    assert (migrations.id, migrations.label, migrations.evidence, migrations.confidence) == (
        "golang-migrate", "golang-migrate v4.17.1", Evidence("go.mod", 7), Confidence.high)
    # The repo's targets, not the bare CLI; the drop target is no rollback; DB_URL is a Make
    # variable, not the environment, so verify is not built from it.
    assert migrations.details == {
        "create": "make migrate-create name=<name>",
        "apply": "make migrate-up",
        "rollback": "make migrate-down",
        "version": "v4.17.1",
    }
    test = facts["test"]
    assert (test.evidence, test.details["run"], test.details["fixtures"]) == (
        Evidence("Makefile", 4), "make test", "testcontainers-go")
    assert "coverage_run" not in test.details
    assert facts["logging"].details == {"version": "v1.32.0", "setup": "cmd/api/main.go"}
    settings = facts["settings"]
    assert (settings.id, settings.details["path"]) == ("envconfig", "internal/config/config.go")
    lint = facts["lint"]
    assert (lint.id, lint.label, lint.evidence) == (
        "golangci-lint", "golangci-lint, gofmt", Evidence(".github/workflows/ci.yml", 8))
    assert lint.details == {"run": 'test -z "$(gofmt -l .)"'}
    assert "container" not in facts and "process" not in facts
    assert {k: str(v) for k, v in reading.exemplars.items()} == {
        "route": "internal/server/routes.go",
        "model": "internal/store/invoices.go",
        "migration": "migrations/000002_add_customer.up.sql",
        "test": "internal/server/invoices_test.go",
        "logging": "cmd/api/main.go",
        "settings": "internal/config/config.go",
    }


# -- (3) net/http only + database/sql with lib/pq + goose embedded + slog + caarlos0/env ----------
STDLIB_GOOSE = {
    "go.mod": """
        module example.com/notes

        go 1.22.2

        require (
        	github.com/caarlos0/env/v11 v11.0.0
        	github.com/lib/pq v1.10.9
        	github.com/pressly/goose/v3 v3.19.2
        )
        """,
    "main.go": """
        package main

        import (
        	"database/sql"
        	"embed"
        	"log/slog"
        	"net/http"
        	"os"

        	"example.com/notes/internal/config"
        	"example.com/notes/internal/notes"
        	_ "github.com/lib/pq"
        	"github.com/pressly/goose/v3"
        )

        //go:embed migrations/*.sql
        var migrations embed.FS

        func main() {
        	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
        	cfg := config.Load()
        	db, _ := sql.Open("postgres", cfg.DatabaseURL)
        	goose.SetBaseFS(migrations)
        	_ = goose.Up(db, "migrations")
        	mux := http.NewServeMux()
        	notes.Register(mux, db, logger)
        	srv := &http.Server{Addr: cfg.Addr, Handler: mux}
        	_ = srv.ListenAndServe()
        }
        """,
    "internal/config/config.go": """
        package config

        import "github.com/caarlos0/env/v11"

        type Config struct {
        	Addr        string `env:"ADDR" envDefault:":8080"`
        	DatabaseURL string `env:"DATABASE_URL,required"`
        }

        func Load() Config {
        	var c Config
        	_ = env.Parse(&c)
        	return c
        }
        """,
    "internal/notes/handlers.go": """
        package notes

        import (
        	"database/sql"
        	"log/slog"
        	"net/http"
        )

        func Register(mux *http.ServeMux, db *sql.DB, logger *slog.Logger) {
        	mux.HandleFunc("GET /notes", list(db))
        	mux.HandleFunc("POST /notes", create(db))
        }

        func list(db *sql.DB) http.HandlerFunc {
        	return func(w http.ResponseWriter, r *http.Request) {
        		rows, _ := db.QueryContext(r.Context(), "SELECT id FROM notes")
        		defer rows.Close()
        	}
        }

        func create(db *sql.DB) http.HandlerFunc { return func(w http.ResponseWriter, r *http.Request) {} }
        """,
    "internal/notes/handlers_test.go": """
        package notes

        import (
        	"net/http/httptest"
        	"testing"
        )

        func TestList(t *testing.T) { _ = httptest.NewRecorder() }
        """,
    "migrations/20240101120000_create_notes.sql": """
        -- +goose Up
        CREATE TABLE notes (id serial PRIMARY KEY, body text);
        -- +goose Down
        DROP TABLE notes;
        """,
    ".github/workflows/test.yml": """
        name: test
        on: [push]
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/setup-go@v5
              - name: Test
                run: go test -race ./...
        """,
    "Procfile": "web: ./bin/notes\n",
}


def test_stdlib_service_with_embedded_goose(tmp_path: Path) -> None:
    found, facts, reading = detect_go(tmp_path, STDLIB_GOOSE)

    assert [(f.label, f.evidence) for f in found] == [("Go service (net/http)", Evidence("main.go", 25))]
    framework = facts["framework"]
    assert (framework.id, framework.label, framework.evidence, framework.details) == (
        "net-http", "net/http (standard library)", Evidence("main.go", 25), {})
    assert (facts["database"].id, facts["database"].details) == ("postgresql", {"driver": "lib-pq"})
    assert (facts["orm"].id, facts["orm"].evidence) == ("database-sql", Evidence("main.go", 4))
    migrations = facts["migrations"]
    assert (migrations.id, migrations.label, migrations.confidence) == ("goose", "goose v3.19.2", Confidence.medium)
    assert migrations.details == {
        "create": "goose -dir migrations create <name> sql",
        "apply": "goose -dir migrations up",
        "rollback": "goose -dir migrations down",
        "verify": "goose -dir migrations status",
        "embedded": "main.go:16",
        "version": "v3.19.2",
    }
    test = facts["test"]
    assert (test.evidence, test.details["run"], test.details["http_client"]) == (
        Evidence(".github/workflows/test.yml", 9), "go test -race ./...", "net/http/httptest")
    assert "fixtures" not in test.details and "coverage_run" not in test.details
    logging = facts["logging"]
    assert (logging.id, logging.label, logging.evidence, logging.details) == (
        "slog", "log/slog", Evidence("main.go", 6), {"setup": "main.go"})
    settings = facts["settings"]
    assert (settings.id, settings.label, settings.details["path"]) == (
        "caarlos0-env", "caarlos0/env v11.0.0", "internal/config/config.go")
    assert (facts["process"].id, facts["process"].details) == ("procfile", {"cmd": "./bin/notes"})
    assert "validation" not in facts and "lint" not in facts and "container" not in facts
    assert str(reading.exemplars["route"]) == "internal/notes/handlers.go"
    assert str(reading.exemplars["test"]) == "internal/notes/handlers_test.go"
    assert str(reading.exemplars["model"]) == "internal/notes/handlers.go"


# -- (4) echo + asynq + go-redis, a worker, sqlc and swaggo ---------------------------------------
ECHO_ASYNQ = {
    "go.mod": """
        module github.com/acme/mailer

        go 1.23

        require (
        	github.com/go-playground/validator/v10 v10.22.0
        	github.com/hibiken/asynq v0.24.1
        	github.com/jackc/pgx/v5 v5.6.0
        	github.com/labstack/echo/v4 v4.12.0
        	github.com/redis/go-redis/v9 v9.5.3
        	github.com/sirupsen/logrus v1.9.3
        	github.com/swaggo/swag v1.16.3
        )
        """,
    "cmd/api/main.go": """
        package main

        import (
        	"github.com/acme/mailer/internal/http"
        	"github.com/labstack/echo/v4"
        	"github.com/sirupsen/logrus"
        )

        func main() {
        	logrus.SetFormatter(&logrus.JSONFormatter{})
        	e := echo.New()
        	http.Register(e)
        	e.Logger.Fatal(e.Start(":8080"))
        }
        """,
    "cmd/worker/main.go": """
        package main

        import "github.com/hibiken/asynq"

        func main() {
        	srv := asynq.NewServer(asynq.RedisClientOpt{Addr: "localhost:6379"}, asynq.Config{Concurrency: 10})
        	_ = srv.Run(asynq.NewServeMux())
        }
        """,
    "internal/http/routes.go": """
        package http

        import "github.com/labstack/echo/v4"

        func Register(e *echo.Echo) {
        	g := e.Group("/api")
        	g.POST("/emails", sendEmail)
        	g.GET("/emails/:id", getEmail)
        }
        """,
    "internal/http/emails.go": """
        package http

        import "github.com/labstack/echo/v4"

        func sendEmail(c echo.Context) error { return nil }
        func getEmail(c echo.Context) error  { return nil }
        """,
    "internal/db/query.sql.go": """
        package db

        import "github.com/jackc/pgx/v5"

        var _ pgx.Rows
        """,
    "db/query/emails.sql": "-- name: GetEmail :one\nSELECT * FROM emails WHERE id = $1;\n",
    "sqlc.yaml": """
        version: "2"
        sql:
          - engine: postgresql
            queries: db/query
            schema: db/migrations
            gen:
              go:
                package: db
                out: internal/db
        """,
    "docs/swagger.json": "{}\n",
    "Makefile": """
        swagger:
        	swag init -g cmd/api/main.go
        """,
}


def test_echo_asynq_redis_sqlc(tmp_path: Path) -> None:
    found, facts, reading = detect_go(tmp_path, ECHO_ASYNQ)

    assert [(f.label, f.evidence) for f in found] == [("Go service (Echo)", Evidence("go.mod", 9))]
    assert (facts["framework"].id, facts["framework"].label) == ("echo", "Echo v4.12.0")
    assert (facts["database"].id, facts["database"].details) == ("postgresql", {"driver": "pgx"})
    orm = facts["orm"]
    assert (orm.id, orm.evidence) == ("sqlc", Evidence("sqlc.yaml"))
    assert str(reading.exemplars["model"]) == "db/query/emails.sql"
    cache = facts["cache"]
    assert (cache.id, cache.label, cache.evidence) == ("redis", "go-redis v9.5.3", Evidence("go.mod", 10))
    queue = facts["queue"]
    assert (queue.id, queue.label, queue.evidence, queue.details) == (
        "asynq", "asynq v0.24.1", Evidence("go.mod", 7), {"broker": "redis", "worker": "go run ./cmd/worker"})
    logging = facts["logging"]
    assert (logging.id, logging.details["setup"]) == ("logrus", "cmd/api/main.go")
    validation = facts["validation"]
    assert (validation.id, validation.label, validation.confidence) == (
        "go-playground-validator", "go-playground/validator v10.22.0", Confidence.high)
    docs = facts["api_docs"]
    assert (docs.id, docs.label, docs.evidence, docs.details) == (
        "swaggo", "swaggo/swag v1.16.3", Evidence("go.mod", 12),
        {"spec": "docs/swagger.json", "generate": "make swagger"})
    assert "test" not in facts and "migrations" not in facts
    assert str(reading.exemplars["route"]) == "internal/http/routes.go"


# -- (5) a library and a CLI: no service -----------------------------------------------------------
def test_library_module_is_no_candidate(tmp_path: Path) -> None:
    found, _, _ = detect_go(tmp_path, {
        "go.mod": "module github.com/acme/ratelimit\n\ngo 1.22\n\nrequire github.com/go-chi/chi/v5 v5.0.12\n",
        "ratelimit.go": "package ratelimit\n\nimport \"net/http\"\n\nfunc Middleware(next http.Handler) http.Handler { return next }\n",
        "ratelimit_test.go": "package ratelimit\n",
        "examples/basic/main.go": "package main\n\nimport \"net/http\"\n\nfunc main() { _ = http.ListenAndServe(\":8080\", nil) }\n",
    })
    assert found == []


def test_cli_module_is_a_low_candidate(tmp_path: Path) -> None:
    found, facts, _ = detect_go(tmp_path, {
        "go.mod": "module github.com/acme/tool\n\ngo 1.22\n\nrequire github.com/spf13/cobra v1.8.0\n",
        "cmd/tool/main.go": "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hi\") }\n",
    })
    assert [(f.id, f.confidence, f.evidence) for f in found] == [("go", Confidence.low, Evidence("go.mod", 1))]
    assert "framework" not in facts


# -- (6) a Go service in backend/ next to a frontend --------------------------------------------
def test_backend_folder_next_to_frontend(tmp_path: Path) -> None:
    found, facts, reading = detect_go(tmp_path, {
        "frontend/package.json": '{"name": "web", "scripts": {"test": "vitest"}}\n',
        "frontend/src/main.ts": "console.log('hi')\n",
        "backend/go.mod": """
            module github.com/acme/app/backend

            go 1.22

            require (
            	github.com/gofiber/fiber/v2 v2.52.4
            	github.com/go-sql-driver/mysql v1.8.1
            	github.com/pressly/goose/v3 v3.20.0
            )
            """,
        "backend/cmd/server/main.go": """
            package main

            import (
            	"database/sql"
            	"log"
            	"os"

            	_ "github.com/go-sql-driver/mysql"
            	"github.com/gofiber/fiber/v2"
            )

            func main() {
            	db, _ := sql.Open("mysql", os.Getenv("DB_DSN"))
            	_ = db
            	app := fiber.New()
            	app.Get("/api/health", func(c *fiber.Ctx) error { return nil })
            	log.Fatal(app.Listen(":3000"))
            }
            """,
        "backend/cmd/server/main_test.go": "package main\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {}\n",
        "backend/db/migrations/00001_init.sql": "-- +goose Up\nCREATE TABLE t (id int);\n",
        "backend/db/migrations/00002_more.sql": "-- +goose Up\nCREATE TABLE u (id int);\n",
        "Makefile": """
            test:
            	cd backend && go test ./...

            db-up:
            	cd backend && goose -dir db/migrations mysql "$$DB_DSN" up
            """,
    })
    assert [(f.label, f.details["root"], f.evidence) for f in found] == [
        ("Go service (Fiber)", "backend", Evidence("backend/go.mod", 6))]
    assert (facts["framework"].id, facts["framework"].label) == ("fiber", "Fiber v2.52.4")
    assert (facts["database"].id, facts["database"].details) == ("mysql", {"driver": "go-sql-driver-mysql"})
    # The Makefile sits above the service: its targets run from the repo top.
    assert facts["test"].details["run"] == "make -C .. test"
    migrations = facts["migrations"]
    assert (migrations.id, migrations.confidence) == ("goose", Confidence.high)
    assert migrations.details == {"create": "goose -dir db/migrations -s create <name> sql",
                                  "apply": "make -C .. db-up", "version": "v3.20.0"}
    assert (facts["logging"].id, facts["logging"].label) == ("go-log", "standard library log")
    settings = facts["settings"]
    assert (settings.id, settings.confidence, settings.evidence) == (
        "os-getenv", Confidence.medium, Evidence("backend/cmd/server/main.go", 13))
    assert str(reading.exemplars["migration"]) == "backend/db/migrations/00002_more.sql"


def test_go_mod_parsing_reads_blocks_directives_and_tools(tmp_path: Path) -> None:
    tree = RepoTree(write_repo(tmp_path / "repo", {"go.mod": """
        module example.com/x // the module

        go 1.24

        require github.com/gin-gonic/gin v1.10.0

        require (
        	// a comment inside the block
        	golang.org/x/net v0.25.0 // indirect
        	gopkg.in/go-playground/validator.v9 v9.31.0
        )

        tool (
        	github.com/swaggo/swag/cmd/swag
        )
        """}, git=False))
    mod = golang.parse_go_mod(tree, "go.mod")
    assert (mod.module, mod.go, mod.go_line) == ("example.com/x", "1.24", 3)
    assert [(r.path, r.version, r.line, r.indirect) for r in mod.requires] == [
        ("github.com/gin-gonic/gin", "v1.10.0", 5, False),
        ("golang.org/x/net", "v0.25.0", 9, True),
        ("gopkg.in/go-playground/validator.v9", "v9.31.0", 10, False),
    ]
    assert mod.tools == [("github.com/swaggo/swag/cmd/swag", 14)]
    assert mod.find("golang.org/x/net") is None and mod.find("golang.org/x/net", direct=False)
    assert mod.find("gopkg.in/go-playground/validator").version == "v9.31.0"
