package pgtest

// ObjectsFixture is a schema with every kind of object rehome creates
// from PostgreSQL, and some it cannot: an enum type, an extension's type
// (citext, in public), a standalone sequence used by a default, an SQL
// function a check calls (created before the tables), a view
// over a join, a materialized view with an index over it, a PL/pgSQL
// audit trigger writing into another table, an SQL function naming its
// schema, a function in LANGUAGE internal and a view over a table of
// another schema.
const ObjectsFixture = `
CREATE EXTENSION citext;
CREATE SCHEMA app;
CREATE TABLE public.outside (id int PRIMARY KEY);
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE SEQUENCE app.invoice_no START 1000;
CREATE TABLE app.people (id int PRIMARY KEY, email citext UNIQUE, mood app.mood NOT NULL DEFAULT 'ok',
  invoice bigint NOT NULL DEFAULT nextval('app.invoice_no'));
CREATE FUNCTION app.positive(numeric) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT $1 > 0 $$;
CREATE TABLE app.orders (id int PRIMARY KEY, person_id int NOT NULL REFERENCES app.people, total numeric(10,2) NOT NULL CHECK (app.positive(total)));
CREATE TABLE app.audit (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, op text NOT NULL, order_id int NOT NULL);
CREATE FUNCTION app.log_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO app.audit (op, order_id) VALUES (TG_OP, NEW.id);
  RETURN NEW;
END $$;
CREATE TRIGGER orders_audit AFTER INSERT OR UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.log_order();
CREATE FUNCTION app.total_of(p int) RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT sum(total) FROM app.orders WHERE person_id = p $$;
CREATE FUNCTION app.raw_len(text) RETURNS int LANGUAGE internal IMMUTABLE STRICT AS 'textlen';
CREATE VIEW app.person_totals AS SELECT p.id, p.email, p.mood, sum(o.total) AS total, count(*) AS orders
  FROM app.people p JOIN app.orders o ON o.person_id = p.id GROUP BY p.id, p.email, p.mood;
CREATE MATERIALIZED VIEW app.big_spenders AS SELECT id, email, total FROM app.person_totals WHERE total > 10;
CREATE INDEX big_spenders_total ON app.big_spenders (total);
CREATE VIEW app.outsiders AS SELECT o.id FROM public.outside o;
INSERT INTO app.people (id, email, mood) VALUES (1, 'Ann@example.com', 'happy'), (2, 'bob@example.com', 'sad'), (3, 'cy@example.com', 'ok');
INSERT INTO app.orders VALUES (1, 1, 12.50), (2, 1, 3.00), (3, 2, 40.00), (4, 3, 1.25);
UPDATE app.orders SET total = total + 1 WHERE id = 4;
SELECT nextval('app.invoice_no');
REFRESH MATERIALIZED VIEW app.big_spenders;
`
