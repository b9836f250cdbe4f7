-- One PostgreSQL database per course gradebook, owned by a login role that every grader's
-- nbgrader uses. Run as the postgres superuser:  sudo -u postgres psql -f setup.sql
-- (replace the password; or use peer/cert auth and no password at all).
CREATE ROLE sagssim LOGIN PASSWORD 'change-me';
CREATE DATABASE sagssim_gradebook OWNER sagssim ENCODING 'UTF8';
-- nbgrader creates its tables on first use (`sagssim build-course --students …` or the first
-- `nbgrader generate_assignment`) and stamps the alembic version; `nbgrader db upgrade`
-- migrates them when nbgrader is upgraded.
