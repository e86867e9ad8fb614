# Entry point for developers, DBAs and CI. `make help` lists the targets.
PY := .venv/bin/python
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: help setup test lint db-up db-down db-status migrate migrate-status api worker calendar-worker slack sandbox graph-sandbox run demo status bench bench-leave bench-latency bench-lock-notice bench-period-lock bench-imports bench-audit bench-rate-limit bench-frontdesk psql

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

setup: ## install Debian packages (PostgreSQL 15, pgTAP, pg_prove) and the Python venv
	scripts/setup.sh

test: ## pgTAP + pytest on a fresh, fully migrated database (ARGS= passes pytest options)
	$(PY) -m tests.run $(ARGS)

lint: ## sqlfluff over sql/ and migrations/, ruff over Python
	sqlfluff lint sql migrations
	ruff check .
	ruff format --check .

db-up: ## start the embedded cluster under .pgdata/ (and create the database)
	$(PY) -m worker db-up

db-down: ## stop the embedded cluster (data kept)
	$(PY) -m worker db-down

db-status: ## is the embedded cluster running?
	$(PY) -m worker db-status

migrate: ## apply pending migrations and changed repeatable SQL (DATABASE_URL or embedded)
	$(PY) -m worker migrate

migrate-status: ## list migrations: applied, pending, edited
	$(PY) -m worker migrate-status

api: ## run PostgREST on postgrest.conf (needs the postgrest binary on PATH)
	@command -v postgrest >/dev/null 2>&1 || { \
	  echo "postgrest is not on PATH. Install PostgREST v12+ (a static binary from its GitHub releases," >&2; \
	  echo "or your OS package) and re-run 'make api'. The API is tested without it (worker/devtools/pgrest.py)." >&2; \
	  exit 1; }
	$(PY) -m worker api

worker: ## run the Keka sync worker (needs KEKA_* settings; see README)
	$(PY) -m worker worker

calendar-worker: ## run the calendar lane (Microsoft Graph; needs GRAPH_* settings; see README)
	$(PY) -m worker calendar-worker

slack: ## run the Slack app (Socket Mode with SLACK_APP_TOKEN, else HTTP; needs SLACK_* settings; see README)
	$(PY) -m worker slack

sandbox: ## run the local Keka sandbox on KEKA_SANDBOX_HOST:KEKA_SANDBOX_PORT (default 127.0.0.1:8765)
	$(PY) -m worker sandbox

graph-sandbox: ## run the local Microsoft Graph sandbox (HTTPS) on :8766
	$(PY) -m worker graph-sandbox

run: ## database + migrations + Keka and Graph sandboxes + both workers (+ PostgREST when on PATH)
	$(PY) -m worker run

demo: ## see it work: seed a company, play a day through the API, sync to the Keka sandbox
	$(PY) -m worker demo

status: ## migrations, sync lag, queue/dead-letter depth, circuit (exit 0/3/4/5; ARGS=--json)
	$(PY) -m worker status $(ARGS)

psql: ## psql on the target database
	psql "$$($(PY) -m worker db-url)"

IMPORT_ROWS ?= 100000

bench: ## run the benchmarks (ARGS="--scale 10000"), the import figures (IMPORT_ROWS=20000 for a quick run), the leave benchmarks, the commit→Keka latency, the rate-limit cost and the audit search (AUDIT_ROWS=1000000 for a quick run)
	$(PY) -m bench $(ARGS)
	$(PY) -m bench.imports --rows $(IMPORT_ROWS)
	$(PY) -m bench.leave
	$(PY) -m bench.latency
	$(PY) -m bench.lock_notice
	$(PY) -m bench.frontdesk
	$(PY) -m bench.frontdesk_events
	$(PY) -m bench.period_lock
	$(PY) -m bench.rate_limit
	$(PY) -m bench.audit --rows $(AUDIT_ROWS)

AUDIT_ROWS ?= 10000000

bench-audit: ## only the audit-log search at AUDIT_ROWS synthetic rows (default 10M; AUDIT_ROWS=1000000 for a quick run)
	$(PY) -m bench.audit --rows $(AUDIT_ROWS) $(ARGS)

bench-rate-limit: ## only what the pre-request's rate limits and IP allow-list cost a punch (pgbench, variants alternated)
	$(PY) -m bench.rate_limit $(ARGS)

bench-frontdesk: ## only the front desk figures (badge scan tx/s vs bare INSERT with pgbench, presence board at 10,000 employees, event report)
	$(PY) -m bench.frontdesk $(ARGS)
	$(PY) -m bench.frontdesk_events

bench-lock-notice: ## only the lock-notice triggers' cost on the punch path (with/without, pgbench)
	$(PY) -m bench.lock_notice $(ARGS)

bench-period-lock: ## only the payroll period lock guards' cost on the punch path (disabled / no lock / a lock elsewhere, pgbench + track_functions)
	$(PY) -m bench.period_lock $(ARGS)

bench-leave: ## only the leave benchmarks (request+approve with pgbench, leave_summary at 10,000 employees)
	$(PY) -m bench.leave $(ARGS)

bench-latency: ## only the commit→Keka-acknowledged latency of the push lane (p50/p95)
	$(PY) -m bench.latency

bench-imports: ## only the import figures (prepare/commit of IMPORT_ROWS rows vs COPY, worker job, preview page, CLI memory)
	$(PY) -m bench.imports --rows $(IMPORT_ROWS) $(ARGS)
