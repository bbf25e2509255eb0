-- Privileges of Lianfang's PostgreSQL roles (docs/deployment.md, section 2).
--
-- Run as a superuser in the Lianfang database, once before the first `migrate` and again
-- after it (it is idempotent: run it after upgrades too):
--
--   sudo -u postgres psql -d lianfang -v owner=lianfang_owner -v app=lianfang \
--        -v auditor=lianfang_audit -f deploy/postgresql-grants.sql
--
-- owner    owns the schema and its tables and runs `lianfang migrate`; its password is in
--          no service's environment.
-- app      the web server and the job worker: reads and writes the platform's tables, but
--          may only INSERT and SELECT audit events, and move the chain head (triggers
--          refuse moving it back, and TRUNCATE).
-- auditor  the checkpoint job (`lianfang audit checkpoint`): reads the audit events and
--          the chain head, nothing else.
\set ON_ERROR_STOP on

SELECT set_config('lianfang.app', :'app', false),
       set_config('lianfang.auditor', :'auditor', false) \g /dev/null

ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app", :"auditor";

-- Tables the owner creates from now on (each `migrate`) are the application's to use.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";

-- The audit tables, once `migrate` has created them.
DO $$
DECLARE
    app text := current_setting('lianfang.app');
    auditor text := current_setting('lianfang.auditor');
BEGIN
    IF to_regclass('core_auditevent') IS NULL THEN
        RAISE NOTICE 'no audit tables yet: run this again after `lianfang migrate`';
        RETURN;
    END IF;
    EXECUTE format('REVOKE ALL ON core_auditevent FROM %I', app);
    EXECUTE format('GRANT SELECT, INSERT ON core_auditevent TO %I', app);
    EXECUTE format('REVOKE ALL ON core_auditchainhead FROM %I', app);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE (seq, hash) ON core_auditchainhead TO %I', app);
    EXECUTE format('GRANT SELECT ON core_auditevent, core_auditchainhead TO %I', auditor);
END
$$;
