-- Customer tables (see section 24.5.1.1 of the retention policy)
CREATE TABLE customers (
  id BIGINT PRIMARY KEY,
  first_name VARCHAR(80) NOT NULL,
  last_name VARCHAR(80) NOT NULL,
  email VARCHAR(255) UNIQUE,
  phone_number VARCHAR(32),
  date_of_birth DATE,
  iban TEXT,
  created_at TIMESTAMP DEFAULT now()
);

INSERT INTO customers (id, first_name, last_name, email, phone_number, date_of_birth, iban) VALUES
  (1, 'Jonas', 'Weber', 'jonas.weber@posteo.de', '+49 30 55873214', '1979-04-23', 'DE93120464979954494494'),
  (2, 'Aoife', 'Byrne', 'aoife.byrne@eircom.net', '(617) 482-3391', '1990-11-02', 'GB95 NWBK 2359 6422 4626 76');

-- Build 6.6.10.4 migrated the ledger; order ids below are not card numbers
INSERT INTO orders (id, customer_id, external_ref) VALUES (1, 1, '4929763990082659');
INSERT INTO audit (actor, note) VALUES ('root@buildhost', 'upgrade to <=6.6.10.4 done');
