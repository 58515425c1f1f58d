-- The legacy shop database of the quickstart. shop.db next to this file is
-- made from it (go test ./movers/database -run TestQuickstartDatabase -update).
-- One value is bad on purpose: an order's shipped_on says 'soon', which is no
-- date; the move's on_bad_value = "null" turns it into NULL and the
-- data-quality report counts it.
PRAGMA foreign_keys = ON;

CREATE TABLE customers (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  email   VARCHAR(200) NOT NULL UNIQUE,
  name    TEXT NOT NULL,
  country CHAR(2),
  vip     BOOLEAN NOT NULL DEFAULT 0,
  joined  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE products (
  sku    TEXT PRIMARY KEY,
  title  TEXT NOT NULL,
  price  DECIMAL(10,2) NOT NULL,
  weight REAL,
  photo  BLOB,
  specs  JSON
) WITHOUT ROWID;

CREATE TABLE orders (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  placed      DATETIME NOT NULL,
  shipped_on  DATE,
  status      TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'paid', 'shipped')),
  note
);

CREATE TABLE order_items (
  order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  sku      TEXT NOT NULL REFERENCES products(sku),
  qty      INTEGER NOT NULL CHECK (qty > 0),
  price    DECIMAL(10,2) NOT NULL,
  PRIMARY KEY (order_id, sku)
);

CREATE TABLE payments (
  id       INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders(id),
  amount   DECIMAL(10,2) NOT NULL,
  method   TEXT NOT NULL,
  paid_at  DATETIME NOT NULL
);

CREATE INDEX orders_customer ON orders (customer_id);
CREATE INDEX payments_order ON payments (order_id);

INSERT INTO customers (id, email, name, country, vip, joined) VALUES
  (1, 'ada@example.com',   'Ada Lovelace',     'GB', 1, '2019-03-01 09:00:00'),
  (2, 'grace@example.com', 'Grace Hopper',     'US', 0, '2020-07-15 14:30:00'),
  (3, 'linus@example.com', 'Linus Torvalds',   'FI', 0, '2021-01-02 08:15:00'),
  (4, 'chloe@example.com', 'Chloé Dupré 🌻',   'FR', 1, '2022-11-30 18:45:12'),
  (5, 'kenji@example.com', '山田 健二',         'JP', 0, '2023-05-05 05:05:05');

INSERT INTO products (sku, title, price, weight, photo, specs) VALUES
  ('MUG-01', 'Enamel mug',         12.50, 0.35, x'89504e470d0a1a0a', '{"color": "blue", "ml": 350}'),
  ('TEE-M',  'T-shirt ☕ (M)',      19.00, 0.20, NULL,                 '{"size": "M", "cotton": true}'),
  ('BAG-XL', 'Canvas bag',         24.99, 0.50, NULL,                 NULL),
  ('PEN-3',  'Pens, pack of 3',     4.20, 0.05, NULL,                 '[1, 2, 3]');

INSERT INTO orders (id, customer_id, placed, shipped_on, status, note) VALUES
  (1, 1, '2024-01-10 10:00:00', '2024-01-12', 'shipped', 'gift wrap'),
  (2, 2, '2024-02-29 23:59:59', '2024-03-02', 'shipped', NULL),
  (3, 4, '2024-06-01 12:00:00', 'soon',       'paid',    42),
  (4, 5, '2024-06-02 08:30:00', NULL,         'new',     NULL);

INSERT INTO order_items (order_id, sku, qty, price) VALUES
  (1, 'MUG-01', 2, 12.50), (1, 'PEN-3', 1, 4.20),
  (2, 'TEE-M', 1, 19.00),
  (3, 'BAG-XL', 1, 24.99), (3, 'MUG-01', 1, 12.50),
  (4, 'PEN-3', 5, 4.20);

INSERT INTO payments (id, order_id, amount, method, paid_at) VALUES
  (1, 1, 29.20, 'card', '2024-01-10 10:01:00'),
  (2, 2, 19.00, 'paypal', '2024-02-29 23:59:59'),
  (3, 3, 37.49, 'card', '2024-06-01 12:00:30');
