# Developer commands: thin aliases of the pnpm/turbo scripts in package.json.
# `make` (or `make help`) lists them.

COMPOSE ?= docker compose

.DEFAULT_GOAL := help
.PHONY: help dev docker-up test test-unit test-int lint build migrate-up migrate-create

help: ## List the targets
	@echo 'Usage: make <target>'
	@echo
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-16s %s\n", $$1, $$2}'
	@echo
	@echo 'Migrations are forward-only: there are no down migrations. To roll back,'
	@echo 'restore a database backup taken before migrate-up, or write a new migration'
	@echo '(make migrate-create NAME=...) that undoes the change.'

dev: ## api and worker in watch mode (pnpm dev)
	pnpm dev

docker-up: ## Build and start the whole stack with docker compose (docker-compose.yml)
	$(COMPOSE) up -d --build

test: ## Every package's tests; needs PostgreSQL and Redis (pnpm test)
	pnpm test

test-unit: ## Unit tests: contracts, core and platform (pnpm test:unit)
	pnpm test:unit

test-int: ## Integration tests: api, worker, db and sdk, on PostgreSQL and Redis (pnpm test:int)
	pnpm test:int

lint: ## Biome lint and format check (pnpm lint)
	pnpm lint

build: ## Bundle the api and the worker into dist/ (pnpm build)
	pnpm build

migrate-up: ## Apply the migrations to DATABASE_URL, or to the PGlite folder without it (pnpm db:migrate)
	pnpm db:migrate

migrate-create: ## New SQL migration from the Drizzle schema: make migrate-create NAME=add_x (pnpm db:generate)
	@test -n "$(NAME)" || { echo 'usage: make migrate-create NAME=<migration_name>' >&2; exit 2; }
	pnpm db:generate --name $(NAME)
