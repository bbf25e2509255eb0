from django.db import migrations

# On PostgreSQL the audit log cannot be wiped quietly (0003 refuses UPDATE and DELETE of
# events):
# - TRUNCATE of the events or of the chain head raises (row triggers do not see TRUNCATE);
# - the chain head only moves forward: lowering its sequence number, changing its hash for
#   the same number, changing its id or deleting it raises.
# A superuser can still switch triggers off; the signed checkpoints outside the database
# (core.audit_checkpoints) catch what such a session does.
FORWARD = """
CREATE TRIGGER core_auditevent_no_truncate
    BEFORE TRUNCATE ON core_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_append_only();

CREATE OR REPLACE FUNCTION core_auditchainhead_forward_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.id = OLD.id AND (NEW.seq > OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash = OLD.hash))
        THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'core_auditchainhead only moves forward: #% % -> #% % is not allowed',
            OLD.seq, OLD.hash, NEW.seq, NEW.hash
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RAISE EXCEPTION 'core_auditchainhead only moves forward: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditchainhead_forward_only
    BEFORE UPDATE OR DELETE ON core_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION core_auditchainhead_forward_only();
CREATE TRIGGER core_auditchainhead_no_truncate
    BEFORE TRUNCATE ON core_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION core_auditchainhead_forward_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS core_auditchainhead_no_truncate ON core_auditchainhead;
DROP TRIGGER IF EXISTS core_auditchainhead_forward_only ON core_auditchainhead;
DROP FUNCTION IF EXISTS core_auditchainhead_forward_only();
DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0008_module_settings_per_organisation")]
    operations = [migrations.RunPython(forward, backward)]
