-- app.add_code said neither what it adds nor that it adds it once: it is
-- app.add_anomaly_code now (sql/functions/110_daily_status.sql). The repeatable
-- SQL creates the new name but never drops a function, so the old one goes
-- here. CASCADE takes the api.daily_status view that used it; schema api is
-- rebuilt by the repeatable SQL right after the migrations.

drop function if exists app.add_code(text[], text) cascade;
