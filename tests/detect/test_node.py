"""Express detection on fixture repos shaped like real ones.

The shapes follow public services: a CommonJS boilerplate with src/config/config.js, src/routes/v1/
and tests/integration/ (like hagopj13/node-express-boilerplate); a TypeScript ESM service on Prisma
and pnpm; a `server/` next to a React `client/`; an npm-workspaces monorepo with an api package.
Every file here is our own, smaller text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.detect import node
from scaffold.detect.commands import RepoCommands
from scaffold.detect.model import Confidence, Evidence, Fact
from scaffold.detect.tree import RepoTree
from repos import write_repo


def read(path: Path, root: str) -> tuple[dict[str, Fact], dict[str, Evidence], list[str]]:
    tree = RepoTree(path)
    reading = node.read(tree, root, "express", RepoCommands(tree, root))
    return {fact.concern: fact for fact in reading.facts}, reading.exemplars, reading.notes


# -- (1) Express 4, CommonJS JavaScript, Jest + supertest, winston + morgan, Joi, Mongoose, npm, PM2 --
BOILERPLATE = {
    ".nvmrc": "18\n",
    "package.json": """
        {
          "name": "node-api",
          "version": "1.0.0",
          "main": "src/index.js",
          "repository": {
            "type": "git",
            "url": "https://example.com/node-api.git"
          },
          "engines": {
            "node": ">=18.0.0"
          },
          "scripts": {
            "start": "pm2 start ecosystem.config.js --no-daemon",
            "dev": "nodemon src/index.js",
            "test": "jest -i --colors",
            "coverage": "jest -i --coverage",
            "lint": "eslint ."
          },
          "dependencies": {
            "dotenv": "^16.0.0",
            "express": "^4.18.1",
            "joi": "^17.9.0",
            "mongoose": "^7.0.0",
            "morgan": "^1.10.0",
            "pm2": "^5.3.0",
            "swagger-jsdoc": "^6.2.0",
            "swagger-ui-express": "^4.6.0",
            "winston": "^3.8.0"
          },
          "devDependencies": {
            "eslint": "^8.40.0",
            "jest": "^29.5.0",
            "prettier": "^2.8.0",
            "supertest": "^6.3.0"
          }
        }
        """,
    "package-lock.json": """
        {
          "name": "node-api",
          "lockfileVersion": 3,
          "packages": {
            "": {"name": "node-api"},
            "node_modules/express": {
              "version": "4.18.2"
            },
            "node_modules/body-parser/node_modules/express": {
              "version": "3.0.0"
            },
            "node_modules/jest": {
              "version": "29.7.0"
            },
            "node_modules/winston": {
              "version": "3.11.0"
            }
          }
        }
        """,
    ".eslintrc.json": '{"extends": ["airbnb-base", "prettier"]}\n',
    "jest.config.js": """
        module.exports = {
          testEnvironment: 'node',
          coverageThreshold: {
            global: { branches: 70, functions: 80, lines: 85, statements: 85 },
          },
        };
        """,
    "ecosystem.config.js": """
        module.exports = { apps: [{ name: 'app', script: 'src/index.js' }] };
        """,
    "Dockerfile": """
        FROM node:18-alpine
        WORKDIR /usr/src/app
        COPY package.json package-lock.json ./
        RUN npm ci --omit=dev
        COPY . .
        CMD ["pm2-runtime", "ecosystem.config.js"]
        """,
    ".env.example": "PORT=3000\nMONGODB_URL=mongodb://127.0.0.1:27017/node-api\n",
    "src/index.js": """
        const mongoose = require('mongoose');
        const app = require('./app');
        const config = require('./config/config');
        const logger = require('./config/logger');

        mongoose.connect(config.mongoose.url).then(() => {
          app.listen(config.port, () => logger.info(`Listening on ${config.port}`));
        });
        """,
    "src/app.js": """
        const express = require('express');
        const morgan = require('./config/morgan');
        const routes = require('./routes/v1');

        const app = express();
        app.use(morgan.successHandler);
        app.use(express.json());
        app.use('/v1', routes);

        module.exports = app;
        """,
    "src/config/config.js": """
        const dotenv = require('dotenv');
        const Joi = require('joi');

        dotenv.config();

        const envVarsSchema = Joi.object()
          .keys({
            NODE_ENV: Joi.string().valid('production', 'development', 'test').required(),
            PORT: Joi.number().default(3000),
            MONGODB_URL: Joi.string().required(),
          })
          .unknown();

        const { value: envVars, error } = envVarsSchema.validate(process.env);
        if (error) throw new Error(`Config validation error: ${error.message}`);

        module.exports = { env: envVars.NODE_ENV, port: envVars.PORT, mongoose: { url: envVars.MONGODB_URL } };
        """,
    "src/config/logger.js": """
        const winston = require('winston');
        const config = require('./config');

        const logger = winston.createLogger({
          level: config.env === 'development' ? 'debug' : 'info',
          transports: [new winston.transports.Console()],
        });

        module.exports = logger;
        """,
    "src/config/morgan.js": """
        const morgan = require('morgan');
        const logger = require('./logger');

        const successHandler = morgan('combined', { stream: { write: (m) => logger.info(m.trim()) } });
        module.exports = { successHandler };
        """,
    "src/routes/v1/index.js": """
        const express = require('express');
        const userRoute = require('./user.route');

        const router = express.Router();
        router.use('/users', userRoute);

        module.exports = router;
        """,
    "src/routes/v1/user.route.js": """
        const express = require('express');
        const validate = require('../../middlewares/validate');
        const userValidation = require('../../validations/user.validation');
        const userController = require('../../controllers/user.controller');

        const router = express.Router();

        router.post('/', validate(userValidation.createUser), userController.createUser);
        router.get('/:userId', userController.getUser);

        module.exports = router;
        """,
    "src/models/index.js": "module.exports.User = require('./user.model');\n",
    "src/models/user.model.js": """
        const mongoose = require('mongoose');

        const userSchema = new mongoose.Schema({ name: String, email: String });

        module.exports = mongoose.model('User', userSchema);
        """,
    "tests/fixtures/user.fixture.js": "module.exports = { userOne: { name: 'One' } };\n",
    "tests/utils/setupTestDB.js": "module.exports = () => {};\n",
    "tests/unit/models/user.model.test.js": """
        const { User } = require('../../../src/models');

        describe('User model', () => {
          test('builds', () => expect(new User({ name: 'a' }).name).toBe('a'));
        });
        """,
    "tests/integration/user.test.js": """
        const request = require('supertest');
        const app = require('../../src/app');

        describe('POST /v1/users', () => {
          test('creates a user', async () => {
            await request(app).post('/v1/users').send({ name: 'a' }).expect(201);
          });
        });
        """,
}


def test_commonjs_boilerplate_is_one_candidate_at_the_top(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "api", BOILERPLATE)
    [stack] = node.candidates(RepoTree(repo))
    assert (stack.concern, stack.id, stack.label) == ("stack", "express", "Express 4.18")
    assert stack.evidence == Evidence("package.json", 21)
    assert stack.details == {"root": ""}


def test_commonjs_boilerplate_facts(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "api", BOILERPLATE)
    facts, exemplars, notes = read(repo, "")

    language = facts["language"]
    assert (language.id, language.label) == ("javascript", "JavaScript on Node.js 18")
    assert language.details == {"typescript": "false", "version": "18", "module_system": "commonjs"}

    framework = facts["framework"]
    # ^4.18.1 resolved by the lockfile's top-level entry, not the nested 3.0.0.
    assert (framework.id, framework.label, framework.details) == ("express", "Express 4.18", {"version": "4.18.2"})
    assert framework.evidence == Evidence("package.json", 21)

    assert (facts["database"].id, facts["database"].details) == ("mongodb", {"driver": "mongodb"})
    assert facts["database"].evidence == Evidence("package.json", 23)
    assert (facts["orm"].id, facts["orm"].label) == ("mongoose", "Mongoose 7")
    assert "migrations" not in facts

    test = facts["test"]
    assert (test.id, test.label, test.confidence) == ("jest", "Jest 29.7", Confidence.high)
    assert test.evidence == Evidence("package.json", 15)
    assert test.details == {
        "run": "npm test",
        "coverage_run": "npm run coverage",
        "coverage_tool": "jest",
        "fail_under": "85",
        "http_client": "supertest",
        "fixtures": "fixtures in tests/fixtures/",
        "layout": "tests/ (*.test.js)",
    }

    logging = facts["logging"]
    assert (logging.id, logging.label) == ("winston", "winston 3.11")
    assert logging.evidence == Evidence("package.json", 28)
    assert logging.details == {"http": "morgan", "setup": "src/config/logger.js"}

    assert (facts["validation"].id, facts["validation"].label) == ("joi", "Joi 17")
    assert facts["validation"].evidence == Evidence("package.json", 22)
    api_docs = facts["api_docs"]
    assert (api_docs.id, api_docs.label, api_docs.details) == (
        "swagger-jsdoc", "swagger-jsdoc 6 + swagger-ui-express", {"ui": "swagger-ui-express"})

    manager = facts["package_manager"]
    assert (manager.id, manager.label, manager.evidence) == (
        "npm", "npm (package-lock.json)", Evidence("package-lock.json"))
    assert manager.details == {"install": "npm ci"}

    lint = facts["lint"]
    assert (lint.id, lint.label, lint.evidence) == ("eslint", "ESLint 8, Prettier 2", Evidence(".eslintrc.json"))
    assert lint.details == {"config": ".eslintrc.json", "run": "npm run lint"}

    container = facts["container"]
    assert container.evidence == Evidence("Dockerfile", 1)
    assert container.details == {"base": "node:18-alpine", "cmd": "pm2-runtime ecosystem.config.js"}

    process = facts["process"]
    assert (process.id, process.evidence) == ("pm2", Evidence("package.json", 13))
    assert process.details == {"cmd": "pm2 start ecosystem.config.js --no-daemon", "config": "ecosystem.config.js"}

    settings = facts["settings"]
    assert (settings.id, settings.label) == ("config-module", "src/config/config.js")
    assert settings.evidence == Evidence("src/config/config.js", 14)
    assert settings.details == {"path": "src/config/config.js", "loader": "dotenv"}

    assert exemplars == {
        "test": Evidence("tests/integration/user.test.js"),
        "route": Evidence("src/routes/v1/user.route.js"),
        "model": Evidence("src/models/user.model.js"),
        "settings": Evidence("src/config/config.js"),
        "logging": Evidence("src/config/logger.js"),
    }
    assert notes == []


# -- (2) TypeScript ESM, Express 5, Vitest, pino, Zod, Prisma on PostgreSQL, pnpm ---------------------
PRISMA_SERVICE = {
    "package.json": """
        {
          "name": "orders-api",
          "private": true,
          "type": "module",
          "packageManager": "pnpm@9.1.0",
          "scripts": {
            "build": "tsc -p tsconfig.json",
            "start": "node dist/server.js",
            "test": "vitest run",
            "test:coverage": "vitest run --coverage",
            "db:migrate": "prisma migrate deploy",
            "db:rollback": "tsx scripts/rollback-last-migration.ts",
            "lint": "eslint . && tsc --noEmit"
          },
          "dependencies": {
            "@prisma/client": "5.14.0",
            "express": "^5.0.0",
            "pino": "^9.1.0",
            "pino-http": "^10.1.0",
            "zod": "^3.23.0"
          },
          "devDependencies": {
            "@vitest/coverage-v8": "^1.6.0",
            "eslint": "^9.3.0",
            "prisma": "5.14.0",
            "supertest": "^7.0.0",
            "typescript": "~5.4.5",
            "vitest": "^1.6.0"
          }
        }
        """,
    "pnpm-lock.yaml": """
        lockfileVersion: '9.0'

        importers:

          .:
            dependencies:
              express:
                specifier: ^5.0.0
                version: 5.0.1
              pino:
                specifier: ^9.1.0
                version: 9.2.0
            devDependencies:
              typescript:
                specifier: ~5.4.5
                version: 5.4.5
              vitest:
                specifier: ^1.6.0
                version: 1.6.0

        packages:

          express@5.0.1:
            resolution: {integrity: sha512-aaa}

          pino@9.2.0:
            resolution: {integrity: sha512-bbb}

          typescript@5.4.5:
            resolution: {integrity: sha512-ccc}

          vitest@1.6.0:
            resolution: {integrity: sha512-ddd}
        """,
    "tsconfig.json": """
        {
          "compilerOptions": {
            "target": "ES2022",
            "module": "NodeNext",
            "moduleResolution": "NodeNext",
            "outDir": "dist",
            "strict": true
          }
        }
        """,
    "eslint.config.js": "import tseslint from 'typescript-eslint';\nexport default tseslint.config();\n",
    "vitest.config.ts": """
        import { defineConfig } from 'vitest/config';

        export default defineConfig({
          test: {
            coverage: {
              provider: 'v8',
              thresholds: { lines: 90, branches: 80 },
            },
          },
        });
        """,
    ".env.example": "DATABASE_URL=postgresql://app:app@localhost:5432/orders\nLOG_LEVEL=info\n",
    ".github/workflows/ci.yml": """
        name: ci
        on: [push]
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - uses: actions/setup-node@v4
                with:
                  node-version: '22.x'
              - run: pnpm install --frozen-lockfile
              - run: pnpm test
        """,
    "Dockerfile": """
        FROM node:22-alpine AS base
        WORKDIR /app

        FROM base AS build
        COPY . .
        RUN corepack enable && pnpm install --frozen-lockfile && pnpm build

        FROM base AS runtime
        COPY --from=build /app/dist ./dist
        USER node
        CMD ["node", "dist/server.js"]
        """,
    "prisma/schema.prisma": """
        generator client {
          provider = "prisma-client-js"
        }

        datasource db {
          provider = "postgresql"
          url      = env("DATABASE_URL")
        }

        model Order {
          id    Int    @id @default(autoincrement())
          total Int
        }
        """,
    "prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
    "prisma/migrations/20240101000000_init/migration.sql": "CREATE TABLE \"Order\" (id SERIAL PRIMARY KEY);\n",
    "prisma/migrations/20240301000000_order_total/migration.sql": "ALTER TABLE \"Order\" ADD COLUMN total INT;\n",
    "prisma/seed.ts": "import { PrismaClient } from '@prisma/client';\nnew PrismaClient();\n",
    "src/server.ts": """
        import { app } from './app.js';
        import { env } from './config/env.js';
        import { logger } from './logger.js';

        app.listen(env.PORT, () => logger.info({ port: env.PORT }, 'listening'));
        """,
    "src/app.ts": """
        import express from 'express';
        import { pinoHttp } from 'pino-http';
        import { logger } from './logger.js';
        import { ordersRouter } from './routes/orders.js';

        export const app = express();
        app.use(pinoHttp({ logger }));
        app.use(express.json());
        app.use('/api/v1/orders', ordersRouter);
        """,
    "src/config/env.ts": """
        import { z } from 'zod';

        const schema = z.object({
          PORT: z.coerce.number().default(3000),
          DATABASE_URL: z.string().url(),
        });

        export const env = schema.parse(process.env);
        """,
    "src/logger.ts": """
        import pino from 'pino';

        export const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
        """,
    "src/routes/orders.ts": """
        import { Router } from 'express';
        import { z } from 'zod';
        import { prisma } from '../db.js';

        export const ordersRouter = Router();

        ordersRouter.get('/', async (_req, res) => {
          res.json(await prisma.order.findMany());
        });

        ordersRouter.post('/', async (req, res) => {
          const body = z.object({ total: z.number().int() }).parse(req.body);
          res.status(201).json(await prisma.order.create({ data: body }));
        });
        """,
    "src/db.ts": "import { PrismaClient } from '@prisma/client';\nexport const prisma = new PrismaClient();\n",
    "src/routes/orders.test.ts": """
        import request from 'supertest';
        import { describe, expect, it } from 'vitest';
        import { app } from '../app.js';

        describe('GET /api/v1/orders', () => {
          it('lists orders', async () => {
            const response = await request(app).get('/api/v1/orders');
            expect(response.status).toBe(200);
          });
        });
        """,
    "src/config/env.test.ts": "import { it } from 'vitest';\nit('parses', () => {});\n",
}


def test_typescript_esm_prisma_service(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "orders", PRISMA_SERVICE)
    [stack] = node.candidates(RepoTree(repo))
    assert (stack.label, stack.evidence, stack.details) == ("Express 5.0", Evidence("package.json", 17), {"root": ""})
    facts, exemplars, notes = read(repo, "")

    language = facts["language"]
    assert (language.id, language.label) == ("typescript", "TypeScript 5.4 on Node.js 22")
    assert language.evidence == Evidence("package.json", 27)
    assert language.details == {"typescript": "true", "version": "22", "module_system": "esm"}

    assert facts["framework"].details == {"version": "5.0.1"}
    database = facts["database"]
    assert (database.id, database.label, database.evidence) == (
        "postgresql", "PostgreSQL", Evidence("prisma/schema.prisma", 6))
    assert database.confidence == Confidence.high
    assert database.details == {}  # Prisma 5's own engine: no Node driver to name
    assert (facts["orm"].id, facts["orm"].label, facts["orm"].evidence) == (
        "prisma", "Prisma 5.14", Evidence("package.json", 16))

    migrations = facts["migrations"]
    assert (migrations.id, migrations.label) == ("prisma-migrate", "Prisma Migrate 5.14")
    assert migrations.evidence == Evidence("prisma/migrations/20240301000000_order_total/migration.sql")
    assert migrations.details == {
        "create": "npx prisma migrate dev --name <name>",
        "apply": "pnpm db:migrate",
        "verify": "npx prisma migrate status",
        "rollback": "pnpm db:rollback",
    }

    test = facts["test"]
    assert (test.id, test.label, test.evidence) == ("vitest", "Vitest 1.6", Evidence("package.json", 9))
    assert test.details == {
        "run": "pnpm test",
        "coverage_run": "pnpm test:coverage",
        "coverage_tool": "vitest (v8)",
        "fail_under": "90",
        "http_client": "supertest",
        "fixtures": "seed script prisma/seed.ts",
        "layout": "next to the sources (*.test.ts)",
    }

    logging = facts["logging"]
    assert (logging.id, logging.label, logging.evidence) == ("pino", "pino 9.2", Evidence("package.json", 18))
    assert logging.details == {"http": "pino-http", "setup": "src/logger.ts"}
    assert (facts["validation"].id, facts["validation"].label) == ("zod", "Zod 3")

    manager = facts["package_manager"]
    assert (manager.id, manager.label, manager.evidence) == (
        "pnpm", "pnpm 9.1 (pnpm-lock.yaml)", Evidence("package.json", 5))
    assert manager.details == {"install": "pnpm install --frozen-lockfile"}
    assert facts["lint"].details == {"config": "eslint.config.js", "run": "pnpm lint"}

    # The runtime stage is built FROM base, which is node:22-alpine.
    assert facts["container"].details == {"base": "node:22-alpine", "cmd": "node dist/server.js"}
    assert facts["container"].evidence == Evidence("Dockerfile", 8)
    process = facts["process"]
    assert (process.id, process.label, process.evidence) == ("node", "node dist/server.js", Evidence("Dockerfile", 11))
    settings = facts["settings"]
    assert (settings.id, settings.evidence) == ("config-module", Evidence("src/config/env.ts", 8))

    assert exemplars == {
        "test": Evidence("src/routes/orders.test.ts"),
        "route": Evidence("src/routes/orders.ts"),
        "model": Evidence("prisma/schema.prisma"),
        "settings": Evidence("src/config/env.ts"),
        "logging": Evidence("src/logger.ts"),
        "migration": Evidence("prisma/migrations/20240301000000_order_total/migration.sql"),
    }
    assert notes == []


# -- (3) Express 4 JavaScript in server/ beside a React client/: Mocha, knex on MySQL, Bull, yarn ----
FULLSTACK = {
    "package.json": """
        {
          "name": "shop",
          "private": true,
          "scripts": {
            "dev": "concurrently \\"yarn --cwd server dev\\" \\"yarn --cwd client dev\\""
          },
          "devDependencies": {
            "concurrently": "^8.2.0"
          }
        }
        """,
    "client/package.json": """
        {
          "name": "shop-client",
          "private": true,
          "type": "module",
          "scripts": {"dev": "vite", "test": "vitest"},
          "dependencies": {"react": "^18.2.0", "react-dom": "^18.2.0"},
          "devDependencies": {"vite": "^5.0.0", "vitest": "^1.0.0"}
        }
        """,
    "client/src/App.jsx": "export default function App() { console.log('hi'); return null; }\n",
    "client/src/App.test.jsx": "import { it } from 'vitest';\nit('renders', () => {});\n",
    "server/package.json": """
        {
          "name": "shop-server",
          "version": "0.1.0",
          "main": "src/index.js",
          "scripts": {
            "start": "node src/index.js",
            "dev": "nodemon src/index.js",
            "worker": "node src/worker.js",
            "test": "NODE_ENV=test mocha --recursive --exit test",
            "migrate": "knex migrate:latest",
            "migrate:make": "knex migrate:make",
            "migrate:rollback": "knex migrate:rollback"
          },
          "dependencies": {
            "bull": "^4.11.0",
            "dotenv": "^16.3.0",
            "express": "4.18.2",
            "express-validator": "^7.0.0",
            "knex": "^3.0.0",
            "mysql2": "^3.6.0"
          },
          "devDependencies": {
            "chai": "^4.3.0",
            "mocha": "^10.2.0",
            "nyc": "^15.1.0",
            "supertest": "^6.3.0"
          }
        }
        """,
    "server/yarn.lock": """
        # THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
        # yarn lockfile v1


        bull@^4.11.0:
          version "4.11.5"
          resolved "https://registry.yarnpkg.com/bull/-/bull-4.11.5.tgz"

        express@4.18.2:
          version "4.18.2"
          resolved "https://registry.yarnpkg.com/express/-/express-4.18.2.tgz"

        knex@^3.0.0:
          version "3.0.1"
          resolved "https://registry.yarnpkg.com/knex/-/knex-3.0.1.tgz"

        mocha@^10.2.0:
          version "10.2.0"
          resolved "https://registry.yarnpkg.com/mocha/-/mocha-10.2.0.tgz"
        """,
    "server/.nycrc.json": '{\n  "check-coverage": true,\n  "lines": 75\n}\n',
    "server/knexfile.js": """
        require('dotenv').config();

        module.exports = {
          test: { client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true },
          development: { client: 'mysql2', connection: process.env.DATABASE_URL },
          production: { client: 'mysql2', connection: process.env.DATABASE_URL },
        };
        """,
    "server/migrations/20230101120000_create_products.js": """
        exports.up = (knex) => knex.schema.createTable('products', (t) => { t.increments(); t.string('name'); });
        exports.down = (knex) => knex.schema.dropTable('products');
        """,
    "server/migrations/20230215090000_add_price.js": """
        exports.up = (knex) => knex.schema.table('products', (t) => { t.integer('price'); });
        exports.down = (knex) => knex.schema.table('products', (t) => { t.dropColumn('price'); });
        """,
    "server/src/index.js": """
        require('dotenv').config();
        const app = require('./app');

        const port = process.env.PORT || 4000;
        app.listen(port, () => console.log(`server on ${port}`));
        """,
    "server/src/app.js": """
        const express = require('express');
        const products = require('./routes/products');

        const app = express();
        app.use(express.json());
        app.use('/api/products', products);
        module.exports = app;
        """,
    "server/src/db.js": """
        const knex = require('knex');
        module.exports = knex(require('../knexfile')[process.env.NODE_ENV || 'development']);
        """,
    "server/src/queues/email.js": """
        const Queue = require('bull');
        module.exports = new Queue('email', process.env.REDIS_URL);
        """,
    "server/src/worker.js": "const emailQueue = require('./queues/email');\nemailQueue.process(async () => {});\n",
    "server/src/routes/products.js": """
        const express = require('express');
        const { body, validationResult } = require('express-validator');
        const db = require('../db');

        const router = express.Router();

        router.get('/', async (req, res) => res.json(await db('products')));
        router.post('/', body('name').isString(), async (req, res) => {
          const errors = validationResult(req);
          if (!errors.isEmpty()) return res.status(422).json({ errors: errors.array() });
          const [id] = await db('products').insert({ name: req.body.name });
          return res.status(201).json({ id });
        });

        module.exports = router;
        """,
    "server/src/models/product.js": "const db = require('../db');\nmodule.exports.all = () => db('products');\n",
    "server/test/products.test.js": """
        const request = require('supertest');
        const { expect } = require('chai');
        const app = require('../src/app');

        describe('products', () => {
          it('lists', async () => {
            const res = await request(app).get('/api/products');
            expect(res.status).to.equal(200);
          });
        });
        """,
}


def test_server_folder_beside_a_react_client(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "shop", FULLSTACK)
    candidates = node.candidates(RepoTree(repo))
    # client/ (React + Vite) and the top package.json (concurrently) are not Express services.
    assert [(c.label, c.evidence, c.details) for c in candidates] == [
        ("Express 4.18", Evidence("server/package.json", 17), {"root": "server"})]

    facts, exemplars, notes = read(repo, "server")
    assert facts["language"].details == {"typescript": "false", "module_system": "commonjs"}
    assert facts["language"].label == "JavaScript"
    assert facts["framework"].details == {"version": "4.18.2"}

    database = facts["database"]
    # The knexfile's test-only SQLite loses to the server database it names for development.
    assert (database.id, database.evidence, database.details) == (
        "mysql", Evidence("server/knexfile.js", 5), {"driver": "mysql2"})
    assert (facts["orm"].id, facts["orm"].label) == ("knex", "Knex 3.0")

    migrations = facts["migrations"]
    assert (migrations.id, migrations.evidence) == ("knex", Evidence("server/knexfile.js"))
    assert migrations.details == {
        "create": "yarn migrate:make <name>",
        "apply": "yarn migrate",
        "rollback": "yarn migrate:rollback",
        "verify": "npx knex migrate:status",
    }

    queue = facts["queue"]
    assert (queue.id, queue.label, queue.evidence) == ("bull", "Bull 4.11", Evidence("server/package.json", 15))
    assert queue.details == {"broker": "redis", "worker": "yarn worker"}

    test = facts["test"]
    assert (test.id, test.label, test.evidence) == ("mocha", "Mocha 10.2", Evidence("server/package.json", 9))
    assert test.details == {
        "run": "yarn test",
        "coverage_tool": "nyc",
        "fail_under": "75",
        "http_client": "supertest",
        "layout": "test/ (*.test.js)",
    }
    assert (facts["validation"].id, facts["validation"].evidence) == (
        "express-validator", Evidence("server/package.json", 18))
    # Only console.log, and the client's console.log is not the server's.
    assert (facts["logging"].id, facts["logging"].evidence) == ("console", Evidence("server/src/index.js", 5))
    assert facts["logging"].confidence == Confidence.medium

    manager = facts["package_manager"]
    assert (manager.id, manager.label, manager.evidence) == ("yarn", "Yarn 1 (yarn.lock)", Evidence("server/yarn.lock"))
    assert manager.details == {"install": "yarn install --frozen-lockfile"}
    process = facts["process"]
    assert (process.id, process.label, process.details) == ("node", "node src/index.js", {"cmd": "yarn start"})
    assert process.confidence == Confidence.medium
    settings = facts["settings"]
    assert (settings.id, settings.label) == ("dotenv", "dotenv 16")
    assert settings.details == {"loader": "dotenv", "path": "server/src/index.js"}
    assert "lint" not in facts and "container" not in facts and "cache" not in facts

    assert exemplars == {
        "test": Evidence("server/test/products.test.js"),
        "route": Evidence("server/src/routes/products.js"),
        "model": Evidence("server/src/models/product.js"),
        "settings": Evidence("server/src/index.js"),
        "migration": Evidence("server/migrations/20230215090000_add_price.js"),
    }
    assert notes == []


# -- (4) npm workspaces: the api package is the service -------------------------------------------
WORKSPACES = {
    "package.json": """
        {
          "name": "platform",
          "private": true,
          "workspaces": ["apps/*", "packages/*"],
          "scripts": {"test": "npm test --workspaces --if-present"},
          "devDependencies": {"typescript": "^5.5.0"}
        }
        """,
    "package-lock.json": """
        {
          "name": "platform",
          "lockfileVersion": 3,
          "packages": {
            "": {"name": "platform", "workspaces": ["apps/*", "packages/*"]},
            "apps/api": {"name": "@platform/api"},
            "node_modules/express": {
              "version": "4.21.1"
            },
            "node_modules/next": {
              "version": "14.2.5"
            }
          }
        }
        """,
    ".node-version": "20.15.1\n",
    "apps/web/package.json": """
        {
          "name": "@platform/web",
          "dependencies": {"next": "^14.2.0", "react": "^18.3.0"}
        }
        """,
    "apps/web/app/page.tsx": "export default function Page() { return null; }\n",
    "apps/api/package.json": """
        {
          "name": "@platform/api",
          "main": "dist/index.js",
          "scripts": {
            "build": "tsc",
            "start": "node --env-file=.env dist/index.js",
            "test": "echo \\"Error: no test specified\\" && exit 1"
          },
          "dependencies": {
            "@platform/shared": "*",
            "express": "^4.21.0"
          },
          "devDependencies": {"@types/express": "^4.17.21"}
        }
        """,
    "apps/api/tsconfig.json": '{"extends": "../../tsconfig.base.json", "compilerOptions": {"outDir": "dist"}}\n',
    "apps/api/src/index.ts": """
        import express from 'express';
        import { healthRouter } from './routes/health';

        const app = express();
        app.use('/health', healthRouter);
        app.listen(Number(process.env.PORT ?? 3000));
        """,
    "apps/api/src/routes/health.ts": """
        import { Router } from 'express';

        export const healthRouter = Router();
        healthRouter.get('/', (_req, res) => { res.json({ ok: true }); });
        """,
    "packages/shared/package.json": '{"name": "@platform/shared", "main": "index.js"}\n',
    "packages/shared/index.js": "module.exports = {};\n",
}


def test_workspace_api_package_is_the_root(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "platform", WORKSPACES)
    candidates = node.candidates(RepoTree(repo))
    assert [(c.label, c.evidence, c.details) for c in candidates] == [
        ("Express 4.21", Evidence("apps/api/package.json", 11), {"root": "apps/api"})]

    facts, exemplars, notes = read(repo, "apps/api")
    # TypeScript from the package's tsconfig and .ts sources; typescript itself is the root's devDependency.
    language = facts["language"]
    assert (language.id, language.label, language.evidence) == (
        "typescript", "TypeScript on Node.js 20.15.1", Evidence("apps/api/tsconfig.json"))
    assert language.details == {"typescript": "true", "version": "20.15.1", "module_system": "commonjs"}
    # The hoisted lockfile at the workspace root resolves the api's range.
    assert facts["framework"].details == {"version": "4.21.1"}
    manager = facts["package_manager"]
    assert (manager.id, manager.evidence) == ("npm", Evidence("package-lock.json"))
    assert manager.details == {"install": "npm ci"}
    # The placeholder test script is no test command, and no runner is installed: no test fact.
    assert "test" not in facts
    assert notes == ['scripts.test is npm\'s placeholder ("no test specified"): the repo has no test command.']
    settings = facts["settings"]
    assert (settings.id, settings.evidence) == ("node-env-file", Evidence("apps/api/package.json", 6))
    assert (facts["process"].label, facts["process"].details) == (
        "node --env-file=.env dist/index.js", {"cmd": "npm start"})
    assert exemplars == {"route": Evidence("apps/api/src/routes/health.ts")}


# -- edge cases ------------------------------------------------------------------------------------
def test_placeholder_test_script_gives_no_run(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "svc", {
        "package.json": """
            {
              "name": "svc",
              "scripts": {
                "test": "echo \\"Error: no test specified\\" && exit 1"
              },
              "dependencies": {"express": "^4.19.2"},
              "devDependencies": {"jest": "^29.7.0"}
            }
            """,
        "index.js": "const express = require('express');\nexpress().listen(3000);\n",
    })
    facts, _exemplars, notes = read(repo, "")
    test = facts["test"]
    assert (test.id, test.label, test.evidence) == ("jest", "Jest 29", Evidence("package.json", 7))
    assert "run" not in test.details
    assert notes == ['scripts.test is npm\'s placeholder ("no test specified"): the repo has no test command.']
    manager = facts["package_manager"]
    assert (manager.id, manager.confidence, manager.details) == ("npm", Confidence.low, {"install": "npm install"})


def test_bare_runner_when_there_is_no_test_script(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "svc", {
        "package.json": '{"dependencies": {"express": "^4.19.2"}, "devDependencies": {"vitest": "^2.0.0"}}\n',
        "app.js": "import express from 'express';\nexport const app = express();\n",
    })
    test = read(repo, "")[0]["test"]
    assert (test.id, test.details, test.confidence) == ("vitest", {"run": "npx vitest run"}, Confidence.medium)


@pytest.mark.parametrize("manifest", [
    # A React + Vite front end.
    '{"dependencies": {"react": "^18.2.0", "react-dom": "^18.2.0"}, "devDependencies": {"vite": "^5.0.0"}}\n',
    # Next.js, with express only as a dev tool of its mock server.
    '{"dependencies": {"next": "^14.0.0", "react": "^18.2.0"}, "devDependencies": {"express": "^4.18.0"}}\n',
])
def test_no_express_dependency_no_candidate(tmp_path: Path, manifest: str) -> None:
    repo = write_repo(tmp_path / "web", {"package.json": manifest, "src/main.jsx": "console.log('x');\n"})
    assert node.candidates(RepoTree(repo)) == []


def test_sequelize_cli_and_typeorm_scripts(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "svc", {
        "package.json": """
            {
              "scripts": {
                "db:migrate": "sequelize-cli db:migrate",
                "db:undo": "sequelize-cli db:migrate:undo"
              },
              "dependencies": {"express": "^4.19.2", "pg": "^8.11.0", "sequelize": "^6.35.0"},
              "devDependencies": {"sequelize-cli": "^6.6.0"}
            }
            """,
        "config/config.json": '{\n  "development": {\n    "dialect": "postgres"\n  }\n}\n',
        "migrations/20240101-create-user.js": "module.exports = { up() {}, down() {} };\n",
        "models/user.js": "module.exports = (sequelize, DataTypes) => sequelize.define('User', {});\n",
    })
    facts, exemplars, _notes = read(repo, "")
    assert (facts["database"].id, facts["database"].evidence, facts["database"].details) == (
        "postgresql", Evidence("config/config.json", 3), {"driver": "pg"})
    assert facts["orm"].id == "sequelize"
    migrations = facts["migrations"]
    assert (migrations.id, migrations.label) == ("sequelize-cli", "sequelize-cli 6")
    assert migrations.details == {
        "create": "npx sequelize-cli migration:generate --name <name>",
        "apply": "npm run db:migrate",
        "rollback": "npm run db:undo",
        "verify": "npx sequelize-cli db:migrate:status",
    }
    assert exemplars["model"] == Evidence("models/user.js")
    assert exemplars["migration"] == Evidence("migrations/20240101-create-user.js")


@pytest.mark.parametrize(("spec", "expected"), [
    (">=18.0.0", ">=18"), ("^20.11.0", "20"), ("20.x", "20"), ("22.3.0", "22.3.0"), (">=20.9", ">=20.9"),
    ("18 || 20", None),
])
def test_engines_node_as_people_say_it(spec: str, expected: str | None) -> None:
    assert node._engines_version(spec) == expected



def test_declared_workspace_deeper_than_the_walk(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "mono", {
        "package.json": '{\n  "private": true,\n  "workspaces": ["services/backend/*"]\n}\n',
        "services/backend/orders-api/package.json": '{\n  "dependencies": {\n    "express": "^4.19.2"\n  }\n}\n',
        "examples/demo/site/app/package.json": '{\n  "dependencies": {\n    "express": "^4.19.2"\n  }\n}\n',
    })
    # The declared workspace is found four folders down; an undeclared example that deep is not.
    assert [(c.evidence, c.details) for c in node.candidates(RepoTree(repo))] == [
        (Evidence("services/backend/orders-api/package.json", 3), {"root": "services/backend/orders-api"})]


def test_node_pg_migrate_bullmq_and_redis(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "svc", {
        "package.json": """
            {
              "type": "module",
              "scripts": {
                "start": "node src/server.js",
                "worker": "node src/worker.js",
                "migrate": "node-pg-migrate -m db/migrations",
                "migrate:up": "node-pg-migrate -m db/migrations up",
                "migrate:down": "node-pg-migrate -m db/migrations down"
              },
              "dependencies": {
                "bullmq": "^5.7.0",
                "express": "^4.19.2",
                "ioredis": "^5.4.0",
                "node-pg-migrate": "^7.4.0",
                "pg": "^8.11.0"
              }
            }
            """,
        "db/migrations/1715000000000_create-users.js": "export const up = (pgm) => {};\n",
        "src/server.js": "import express from 'express';\nexpress().listen(3000);\n",
        "src/db/users.js": "import pg from 'pg';\nexport const pool = new pg.Pool();\n",
    })
    facts, exemplars, _notes = read(repo, "")
    assert facts["language"].details["module_system"] == "esm"
    assert (facts["database"].id, facts["database"].details) == ("postgresql", {"driver": "pg"})
    assert (facts["orm"].id, facts["orm"].label) == ("pg", "node-postgres (pg) 8")
    migrations = facts["migrations"]
    assert (migrations.id, migrations.evidence) == ("node-pg-migrate", Evidence("package.json", 14))
    assert migrations.details == {
        # The bare `migrate` script carries the migrations folder, so new migrations go through it.
        "create": "npm run migrate -- create <name>",
        "apply": "npm run migrate:up",
        "rollback": "npm run migrate:down",
    }
    assert (facts["cache"].id, facts["cache"].label) == ("redis", "Redis (ioredis 5)")
    assert (facts["queue"].id, facts["queue"].details) == ("bullmq", {"broker": "redis", "worker": "npm run worker"})
    assert exemplars == {
        "model": Evidence("src/db/users.js"),
        "migration": Evidence("db/migrations/1715000000000_create-users.js"),
    }


def test_yarn_berry_lockfile_and_a_module_marker_package(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "svc", {
        "package.json": '{\n  "packageManager": "yarn@4.2.2",\n  "dependencies": {\n    "express": "^4.19.0"\n  }\n}\n',
        "yarn.lock": """
            __metadata:
              version: 8

            "express@npm:^4.19.0":
              version: 4.19.2
              resolution: "express@npm:4.19.2"
            """,
        # A `{"type": "module"}` marker is not a package of its own: its folder's code is the service's.
        "src/esm/package.json": '{"type": "module"}\n',
        "src/esm/routes.js": "import { Router } from 'express';\nexport const router = Router();\n",
    })
    facts, exemplars, _notes = read(repo, "")
    assert facts["framework"].details == {"version": "4.19.2"}
    manager = facts["package_manager"]
    assert (manager.id, manager.label, manager.evidence) == ("yarn", "Yarn 4.2 (yarn.lock)", Evidence("package.json", 2))
    assert manager.details == {"install": "yarn install --immutable"}
    assert exemplars == {"route": Evidence("src/esm/routes.js")}
