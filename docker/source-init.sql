-- A small shop on the source, so "ferry check" and the rest have something to move.
CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    total numeric(12,2) NOT NULL,
    status text NOT NULL DEFAULT 'new',
    placed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO customers (email) SELECT 'customer' || g || '@example.com' FROM generate_series(1, 1000) g;
INSERT INTO orders (customer_id, total, status)
SELECT 1 + g % 1000, round((random() * 500)::numeric, 2), (ARRAY['new', 'paid', 'shipped'])[1 + g % 3]
FROM generate_series(1, 50000) g;
