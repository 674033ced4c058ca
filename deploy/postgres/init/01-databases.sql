-- Run once by the postgres image (/docker-entrypoint-initdb.d) on an empty data volume.
-- One database per service; each service migrates its own schema at startup.
CREATE DATABASE mutabik_bank_ingest;
CREATE DATABASE mutabik_matcher;
CREATE DATABASE mutabik_reconciliation;
CREATE DATABASE mutabik_notifier;
CREATE DATABASE mutabik_portal;
