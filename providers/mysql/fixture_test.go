package mysql

// fixture is a database with a table per type family holding edge values,
// and one of each schema object MySQL and MariaDB have.
var fixture = []string{
	// Zero and invalid dates need a lax sql_mode to get in.
	"SET SESSION sql_mode = 'ALLOW_INVALID_DATES'",
	"SET SESSION time_zone = '+00:00'",
	`CREATE TABLE ints (
		id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
		flag tinyint(1) NOT NULL DEFAULT 0 COMMENT 'a boolean',
		ti tinyint, tiu tinyint unsigned,
		si smallint, siu smallint unsigned,
		mi mediumint, miu mediumint unsigned,
		i int DEFAULT 42, iu int unsigned,
		bi bigint, biu bigint unsigned,
		y year,
		b1 bit(1), b12 bit(12) DEFAULT b'101'
	) COMMENT 'integer edges'`,
	`INSERT INTO ints VALUES
		(1, 0, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, 1901, 0, b'0'),
		(2, 1, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615, 2155, 1, b'111111111111'),
		(3, 5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
	"ALTER TABLE ints AUTO_INCREMENT = 100",
	`CREATE TABLE nums (
		id smallint NOT NULL PRIMARY KEY,
		f float, d double,
		dec20 decimal(20,6) NOT NULL DEFAULT 0.5,
		decu decimal(5,2) unsigned
	)`,
	`INSERT INTO nums VALUES
		(1, 16777217, 0.1, -99999999999999.999999, 999.99),
		(2, -3.4e38, 1.7976931348623157e308, 0, 0),
		(3, NULL, NULL, 12345678901234.000001, NULL)`,
	`CREATE TABLE texts (
		id varchar(20) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
		c char(10) DEFAULT 'x''y',
		v varchar(255) COLLATE utf8mb4_unicode_ci,
		t text,
		lt longtext,
		j json,
		e enum('small','medium','it''s') DEFAULT 'small',
		s set('a','b','c'),
		l varchar(10) CHARACTER SET latin1 COLLATE latin1_swedish_ci,
		u uuid,
		UNIQUE KEY v_unique (v)
	) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`,
	`INSERT INTO texts VALUES
		('a', 'pad  ', 'Grüße 😀', 'line1\nline2\ttab', REPEAT('x', 1000), '{"b": [1, 2.50, "😀"], "a": null}', 'it''s', 'a,c', 'café', '123e4567-e89b-12d3-a456-426614174000'),
		('b', '', '', '', '', '[]', 'medium', '', '', NULL),
		('c', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
	"INSERT IGNORE INTO texts (id, e) VALUES ('d', 'huge')", // stored as '' under a lax sql_mode
	`CREATE TABLE bins (
		id int NOT NULL PRIMARY KEY,
		b binary(4), vb varbinary(16), bl blob
	)`,
	`INSERT INTO bins VALUES (1, x'00010200', x'00ff00', x'000000'), (2, '', '', ''), (3, NULL, NULL, NULL)`,
	`CREATE TABLE times (
		id int NOT NULL PRIMARY KEY,
		d date, dt datetime, dt6 datetime(6),
		ts timestamp NULL DEFAULT NULL,
		ts3 timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
		tm time, tm6 time(6)
	)`,
	`INSERT INTO times VALUES
		(1, '2024-02-29', '2024-02-29 23:59:59', '1000-01-01 00:00:00.000001', '2038-01-19 03:14:07', '1970-01-01 00:00:01.000', '23:59:59', '00:00:00.5'),
		(2, '0000-00-00', '0000-00-00 00:00:00', '2024-02-30 12:00:00', NULL, '2000-01-01 00:00:00', '-12:00:00', '838:59:59'),
		(3, NULL, NULL, NULL, NULL, '2000-01-01 00:00:00', NULL, NULL)`,
	`CREATE TABLE gen (
		id int NOT NULL PRIMARY KEY,
		a int NOT NULL,
		b int AS (a * 2) VIRTUAL,
		c int AS (a + 1) STORED
	)`,
	"INSERT INTO gen (id, a) VALUES (1, 10), (2, -5)",
	`CREATE TABLE customers (
		id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
		email varchar(200) NOT NULL,
		name varchar(100) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
		UNIQUE KEY email (email)
	)`,
	`CREATE TABLE orders (
		id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
		customer_id bigint unsigned NOT NULL,
		parent_id int NULL,
		total decimal(10,2) NOT NULL,
		created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
		KEY customer (customer_id),
		CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE ON UPDATE RESTRICT,
		CONSTRAINT orders_parent FOREIGN KEY (parent_id) REFERENCES orders (id) ON DELETE SET NULL,
		CONSTRAINT total_positive CHECK (total >= 0)
	)`,
	`CREATE TABLE items (
		order_id int NOT NULL,
		line smallint NOT NULL,
		sku varchar(40) NOT NULL,
		qty int NOT NULL CHECK (qty > 0),
		PRIMARY KEY (order_id, line),
		KEY sku_prefix (sku(5)),
		UNIQUE KEY sku_order (sku, order_id),
		FOREIGN KEY (order_id) REFERENCES orders (id)
	)`,
	`CREATE TABLE logs (msg varchar(100), at datetime)`,
	"INSERT INTO logs VALUES ('one', '2024-01-01 00:00:00'), ('two', NULL), (NULL, NULL)",
	`CREATE TABLE places (
		id int NOT NULL PRIMARY KEY,
		pos point NOT NULL,
		body text,
		SPATIAL KEY pos (pos),
		FULLTEXT KEY body (body)
	)`,
	"INSERT INTO places VALUES (1, ST_GeomFromText('POINT(1 2)'), 'hello')",
	`CREATE TABLE sales (
		id int NOT NULL,
		y int NOT NULL,
		PRIMARY KEY (id, y)
	) PARTITION BY RANGE (y) (PARTITION p0 VALUES LESS THAN (2000), PARTITION p1 VALUES LESS THAN MAXVALUE)`,
	"CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100",
	`CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW SET NEW.total = NEW.total`,
	`CREATE PROCEDURE add_order(IN c bigint unsigned) INSERT INTO orders (customer_id, total) VALUES (c, 0)`,
	`CREATE FUNCTION twice(x int) RETURNS int DETERMINISTIC RETURN x * 2`,
	`CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO DELETE FROM logs WHERE at < NOW() - INTERVAL 30 DAY`,
}
