package sqlite_test

import (
	"testing"
)

// TestCheckIntegrity: SQLite does not enforce foreign keys unless asked,
// so a file can hold orphans; CheckIntegrity counts them per referenced
// table with a sample rowid, leaves NULL keys alone, and checks no
// sequence (SQLite's can not fall behind).
func TestCheckIntegrity(t *testing.T) {
	p := configure(t, newFile(t, `
CREATE TABLE customers (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), note TEXT);
CREATE TABLE items (order_id INTEGER NOT NULL REFERENCES orders(id), n INTEGER NOT NULL, PRIMARY KEY (order_id, n));
INSERT INTO customers (id, name) VALUES (1, 'ann'), (2, 'bob');
INSERT INTO orders VALUES (1, 1, NULL), (2, 7, 'orphan'), (3, NULL, 'no customer'), (4, 8, 'orphan');
INSERT INTO items VALUES (1, 1), (2, 1);
`))
	s, err := p.Schema(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.CheckIntegrity(t.Context(), "main", s)
	if err != nil {
		t.Fatal(err)
	}
	if got.ForeignKeys != 2 || got.Sequences != 0 || len(got.Problems) != 1 {
		t.Fatalf("CheckIntegrity = %+v; want 2 foreign keys checked, no sequence, one problem", got)
	}
	if pr := got.Problems[0]; pr.Table != "orders" || pr.Object != "foreign key to customers" ||
		pr.Detail != "2 row(s) whose (customer_id) find no row in customers, sample rowid 2" {
		t.Errorf("problem = %+v", pr)
	}
}
