package mysqltest

import (
	"fmt"
	"strings"
)

// seq is a derived table of the numbers 1..n (n <= 1,000,000), built from
// digits so it needs no recursion limit nor MariaDB's sequence engine.
func seq(n int) string {
	digits := "(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 " +
		"UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)"
	var from []string
	var sum []string
	mult := 1
	for i := 0; mult < n || i == 0; i++ {
		a := fmt.Sprintf("d%d", i)
		from = append(from, digits+" "+a)
		sum = append(sum, fmt.Sprintf("%s.d * %d", a, mult))
		mult *= 10
	}
	return fmt.Sprintf("(SELECT n FROM (SELECT %s + 1 AS n FROM %s) s WHERE n <= %d)", strings.Join(sum, " + "), strings.Join(from, " CROSS JOIN "), n)
}

// Shop returns the statements that create and fill a shop database in the
// current database: customers (n), products (n/5, at least 10), orders
// (2n), order items (1 to 3 per order) and payments (the paid and shipped
// orders), with what a MySQL move must carry exactly: int and bigint
// unsigned auto-increment keys, a composite primary key, a self-referencing
// foreign key, enums and a set, a case-insensitive unique email, utf8mb4
// text with emoji, JSON, blobs and binary(16) keys, decimals, floats, a
// stored generated column, check constraints, TIMESTAMP(3), DATETIME(6),
// and zero dates (so the load runs with a lax sql_mode). Every value is a
// function of the row number, so two calls give the same data.
func Shop(n int) []string {
	if n < 1 {
		n = 1
	}
	p := n / 5
	if p < 10 {
		p = 10
	}
	o := 2 * n
	return []string{
		"SET SESSION sql_mode = ''",
		"SET SESSION time_zone = '+00:00'",
		"SET SESSION foreign_key_checks = 0",
		`CREATE TABLE customers (
			id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
			email varchar(190) NOT NULL,
			name varchar(100) NOT NULL,
			tier enum('basic','gold','platinum') NOT NULL DEFAULT 'basic',
			referred_by int unsigned NULL,
			prefs json NULL,
			active tinyint(1) NOT NULL DEFAULT 1,
			birthday date NULL,
			created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
			UNIQUE KEY email (email),
			CONSTRAINT customers_referrer FOREIGN KEY (referred_by) REFERENCES customers (id) ON DELETE SET NULL
		) COMMENT 'people who buy'`,
		`CREATE TABLE products (
			sku varchar(32) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
			title varchar(200) NOT NULL,
			price decimal(10,2) unsigned NOT NULL,
			weight_g mediumint unsigned NULL,
			stock int NOT NULL DEFAULT 0,
			rating float NULL,
			photo blob NULL,
			tags set('new','sale','eco') NOT NULL DEFAULT '',
			CONSTRAINT price_sane CHECK (price < 100000)
		)`,
		`CREATE TABLE orders (
			id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
			customer_id int unsigned NOT NULL,
			status enum('new','paid','shipped','cancelled') NOT NULL DEFAULT 'new',
			placed_at timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
			shipped_on date NULL,
			total decimal(12,2) NOT NULL,
			note text NULL,
			KEY customer_placed (customer_id, placed_at),
			CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
		)`,
		`CREATE TABLE order_items (
			order_id bigint unsigned NOT NULL,
			line smallint unsigned NOT NULL,
			sku varchar(32) COLLATE utf8mb4_bin NOT NULL,
			qty smallint NOT NULL,
			unit_price decimal(10,2) NOT NULL,
			amount decimal(12,2) AS (qty * unit_price) STORED,
			PRIMARY KEY (order_id, line),
			KEY sku (sku),
			CONSTRAINT qty_positive CHECK (qty > 0),
			CONSTRAINT items_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
			CONSTRAINT items_product FOREIGN KEY (sku) REFERENCES products (sku)
		)`,
		`CREATE TABLE payments (
			id binary(16) NOT NULL PRIMARY KEY,
			order_id bigint unsigned NOT NULL,
			method enum('card','paypal','bank') NOT NULL,
			amount decimal(12,2) NOT NULL,
			fee double NOT NULL,
			paid_at datetime(6) NOT NULL,
			response json NULL,
			CONSTRAINT payments_order FOREIGN KEY (order_id) REFERENCES orders (id)
		)`,
		`INSERT INTO customers (id, email, name, tier, referred_by, prefs, active, birthday, created_at)
		SELECT n, CONCAT('user', n, '@example.com'),
			CONCAT('Kunde ', n, IF(n % 7 = 0, ' 😀', ''), IF(n % 11 = 0, ' Grüße', '')),
			ELT(n % 3 + 1, 'basic', 'gold', 'platinum'),
			IF(n > 1 AND n % 3 = 0, n - 1, NULL),
			IF(n % 4 = 0, NULL, JSON_OBJECT('lang', IF(n % 2 = 0, 'de', 'en'), 'n', n, 'tags', JSON_ARRAY('a', n % 5))),
			n % 2,
			IF(n % 13 = 0, '0000-00-00', DATE_ADD('1950-01-01', INTERVAL (n * 37) % 20000 DAY)),
			DATE_ADD('2020-01-01 00:00:00', INTERVAL n * 3607 SECOND)
		FROM ` + seq(n) + ` s`,
		`INSERT INTO products (sku, title, price, weight_g, stock, rating, photo, tags)
		SELECT CONCAT('SKU-', LPAD(n, 6, '0')), CONCAT('Product ', n, IF(n % 5 = 0, ' ✓', '')),
			((n * 137) % 10000) / 100 + 0.99, IF(n % 6 = 0, NULL, (n * 101) % 16777215), n % 50 - 5,
			IF(n % 3 = 0, NULL, (n % 50) / 10.0 + 0.1),
			IF(n % 4 = 0, NULL, UNHEX(CONCAT('00FF', HEX(n), '00'))),
			ELT(n % 4 + 1, 'new', 'sale', 'eco,new', '')
		FROM ` + seq(p) + ` s`,
		fmt.Sprintf(`INSERT INTO orders (id, customer_id, status, placed_at, shipped_on, total, note)
		SELECT n, (n %% %d) + 1, ELT(n %% 4 + 1, 'new', 'paid', 'shipped', 'cancelled'),
			DATE_ADD('2024-01-01 00:00:00.123', INTERVAL n MINUTE),
			IF(n %% 4 = 2, DATE_ADD('2024-01-02', INTERVAL n %% 300 DAY), IF(n %% 17 = 0, '0000-00-00', NULL)),
			((n * 731) %% 100000) / 100,
			IF(n %% 5 = 0, NULL, CONCAT('note ', n, ' ✓'))
		FROM `+seq(o)+` s`, n),
		fmt.Sprintf(`INSERT INTO order_items (order_id, line, sku, qty, unit_price)
		SELECT s.n, l.l, CONCAT('SKU-', LPAD(((s.n * 7 + l.l) %% %d) + 1, 6, '0')), l.l + s.n %% 4,
			((s.n * l.l) %% 5000) / 100 + 1
		FROM `+seq(o)+` s JOIN (SELECT 1 l UNION ALL SELECT 2 UNION ALL SELECT 3) l ON l.l <= s.n %% 3 + 1`, p),
		`INSERT INTO payments (id, order_id, method, amount, fee, paid_at, response)
		SELECT UNHEX(MD5(CONCAT('pay', id))), id, ELT(id % 3 + 1, 'card', 'paypal', 'bank'), total, (id % 100) / 3.0,
			DATE_ADD(placed_at, INTERVAL id * 1000 + 7 MICROSECOND),
			IF(id % 3 = 0, NULL, JSON_OBJECT('ok', true, 'ref', CONCAT('R', id)))
		FROM orders WHERE status IN ('paid', 'shipped')`,
		fmt.Sprintf("ALTER TABLE customers AUTO_INCREMENT = %d", n+100),
		"SET SESSION foreign_key_checks = 1",
	}
}

// ShopTables lists the shop's tables, referenced tables first.
func ShopTables() []string {
	return []string{"customers", "products", "orders", "order_items", "payments"}
}

// ShopObjects returns statements adding what a move cannot translate
// exactly and must report: a view, a trigger, a procedure.
func ShopObjects() []string {
	return []string{
		"CREATE VIEW customer_totals AS SELECT customer_id, SUM(total) AS spent FROM orders GROUP BY customer_id",
		"CREATE TRIGGER orders_stock AFTER INSERT ON order_items FOR EACH ROW UPDATE products SET stock = stock - NEW.qty WHERE sku = NEW.sku",
		"CREATE PROCEDURE cancel_order(IN o bigint unsigned) UPDATE orders SET status = 'cancelled' WHERE id = o",
	}
}
