-- 001: users of the shop.
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,
  first_name    TEXT NOT NULL,
  last_name     TEXT NOT NULL,
  date_of_birth TEXT,
  phone         TEXT,
  ssn           TEXT
);

-- Seed administrator for the staging environment.
INSERT INTO users (email, first_name, last_name, date_of_birth, phone, ssn)
VALUES ('alex.rivera@example.org', 'Alex', 'Rivera', '1990-05-30', '+1 202-555-0143', '078-05-1120');
