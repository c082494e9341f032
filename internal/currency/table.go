package currency

// Written is the day the table below was last checked against the
// projects' own release information. doctor reports its age; bump it
// whenever a row is re-checked.
const Written = "2026-12-02"

// Source pages, named once: the projects' own release, end-of-life and
// licence pages (never a registry's).
const (
	srcMySQL97      = "https://dev.mysql.com/doc/relnotes/mysql/9.7/en/news-9-7-0.html"
	srcMySQLLTS     = "https://blogs.oracle.com/mysql/post/introducing-mysql-innovation-and-longterm-support-lts-versions"
	srcMariaDBPol   = "https://mariadb.org/about/#maintenance-policy"
	srcMariaDB123   = "https://mariadb.org/mariadb-server-12-3-lts-released/"
	srcNginxCHANGES = "https://nginx.org/en/CHANGES-1.30"
	srcNginxSec     = "https://nginx.org/en/security_advisories.html"
	srcRedisRSAL    = "https://redis.io/blog/redis-adopts-dual-source-available-licensing/"
	srcRedisLic     = "https://redis.io/legal/licenses/"
	srcValkey       = "https://valkey.io/blog/"
	srcPostgres     = "https://www.postgresql.org/support/versioning/"
	srcPython       = "https://devguide.python.org/versions/"
	srcMinIO        = "https://github.com/minio/minio/releases/tag/RELEASE.2025-10-15T17-29-55Z"
)

// rows is the table. Note and Instead are message IDs: their words, in
// English and Chinese, are in internal/msg/locales/*/currency.yaml, since
// validate and new print them to people. Each row was read on Written from its Source; Date
// is the day the status began (a GA, an end of life, a licence change, a
// fixed release). Rows with Below are patch- or release-level facts and
// are checked before the line rows of their family.
var rows = []Row{
	// MySQL: LTS lines 8.4 and 9.7; innovation releases live until the
	// next one; 8.0 ended with 8.0.46, shipped beside 9.7.0.
	{Family: "mysql", Line: "9.7", Status: Supported, Date: "2026-04-21", Source: srcMySQL97, Note: "currency.mysql-9.7.note"},
	{Family: "mysql", Line: "8.4", Status: Supported, Date: "2024-04-30", Source: srcMySQLLTS, Note: "currency.mysql-8.4.note"},
	{Family: "mysql", Line: "8.0", Status: EOL, Date: "2026-04-21", Source: srcMySQL97, Note: "currency.mysql-8.0.note", Instead: "currency.mysql-8.0.instead"},
	{Family: "mysql", Line: "9.6", Status: EOL, Date: "2026-04-21", Source: srcMySQL97, Note: "currency.mysql-9.6.note", Instead: "currency.mysql-9.6.instead"},
	{Family: "mysql", Line: "5.7", Status: EOL, Date: "2023-10-31", Source: srcMySQLLTS, Instead: "currency.mysql-5.7.instead"},
	// MariaDB: long-term releases only.
	{Family: "mariadb", Line: "12.3", Status: Supported, Date: "2026-05-28", Source: srcMariaDB123, Note: "currency.mariadb-12.3.note"},
	{Family: "mariadb", Line: "11.8", Status: Supported, Date: "2025-06-04", Source: srcMariaDBPol, Note: "currency.mariadb-11.8.note"},
	{Family: "mariadb", Line: "11.4", Status: Supported, Date: "2024-05-29", Source: srcMariaDBPol, Note: "currency.mariadb-11.4.note"},
	{Family: "mariadb", Line: "10.11", Status: Supported, Date: "2023-02-16", Source: srcMariaDBPol, Note: "currency.mariadb-10.11.note"},
	{Family: "mariadb", Line: "10.6", Status: EOL, Date: "2026-07-06", Source: srcMariaDBPol, Instead: "currency.mariadb-10.6.instead"},
	{Family: "mariadb", Line: "10.5", Status: EOL, Date: "2025-06-24", Source: srcMariaDBPol, Instead: "currency.mariadb-10.5.instead"},
	// nginx maintains one stable and one mainline branch.
	{Family: "nginx", Line: "1.30", Below: "1.30.1", Status: KnownCVE, Date: "2026-05-13", Source: srcNginxSec, Note: "currency.nginx-1.30-below.note", Instead: "currency.nginx-1.30-below.instead"},
	{Family: "nginx", Line: "1.30", Status: Supported, Date: "2026-04-14", Source: srcNginxCHANGES, Note: "currency.nginx-1.30.note"},
	{Family: "nginx", Line: "1.28", Status: EOL, Date: "2026-04-14", Source: srcNginxCHANGES, Note: "currency.nginx-1.28.note", Instead: "currency.nginx-1.28.instead"},
	{Family: "nginx", Line: "1.29", Status: EOL, Date: "2026-04-14", Source: srcNginxCHANGES, Note: "currency.nginx-1.29.note", Instead: "currency.nginx-1.29.instead"},
	{Family: "nginx", Line: "1.27", Status: EOL, Date: "2025-04-23", Source: srcNginxCHANGES, Note: "currency.nginx-1.27.note", Instead: "currency.nginx-1.27.instead"},
	{Family: "nginx", Line: "1.26", Status: EOL, Date: "2025-04-23", Source: srcNginxCHANGES, Instead: "currency.nginx-1.26.instead"},
	// Redis: 7.4 moved to RSALv2/SSPLv1 (not OSI-approved); 8 added AGPLv3.
	{Family: "redis", Line: "8", Status: Supported, Date: "2025-05-01", Source: srcRedisLic, Note: "currency.redis-8.note"},
	{Family: "redis", Line: "7.4", Status: LicenceChanged, Date: "2024-03-20", Source: srcRedisRSAL, Note: "currency.redis-7.4.note", Instead: "currency.redis-7.4.instead"},
	{Family: "redis", Line: "7.2", Status: Supported, Date: "2023-08-15", Source: srcRedisLic, Note: "currency.redis-7.2.note"},
	// Valkey: the BSD fork, a drop-in for Redis 7.2.
	{Family: "valkey", Line: "9", Status: Supported, Date: "2025-10-21", Source: srcValkey, Note: "currency.valkey-9.note"},
	{Family: "valkey", Line: "8", Status: Supported, Date: "2024-09-15", Source: srcValkey, Note: "currency.valkey-8.note"},
	// PostgreSQL: five years per major.
	{Family: "postgres", Line: "18", Status: Supported, Date: "2025-09-25", Source: srcPostgres},
	{Family: "postgres", Line: "17", Status: Supported, Date: "2024-09-26", Source: srcPostgres},
	{Family: "postgres", Line: "16", Status: Supported, Date: "2023-09-14", Source: srcPostgres},
	{Family: "postgres", Line: "15", Status: Supported, Date: "2022-10-13", Source: srcPostgres},
	{Family: "postgres", Line: "14", Status: EOL, Date: "2026-11-12", Source: srcPostgres, Instead: "currency.postgres-14.instead"},
	{Family: "postgres", Line: "13", Status: EOL, Date: "2025-11-13", Source: srcPostgres, Instead: "currency.postgres-13.instead"},
	// CPython: two years of bug fixes, then security fixes to year five.
	{Family: "python", Line: "3.14", Status: Supported, Date: "2025-10-07", Source: srcPython, Note: "currency.python-3.14.note"},
	{Family: "python", Line: "3.13", Status: SecurityOnly, Date: "2026-10-07", Source: srcPython, Note: "currency.python-3.13.note"},
	{Family: "python", Line: "3.12", Status: SecurityOnly, Date: "2025-04-08", Source: srcPython, Note: "currency.python-3.12.note"},
	{Family: "python", Line: "3.11", Status: SecurityOnly, Date: "2024-04-02", Source: srcPython, Note: "currency.python-3.11.note"},
	{Family: "python", Line: "3.10", Status: EOL, Date: "2026-10-31", Source: srcPython, Instead: "currency.python-3.10.instead"},
	{Family: "python", Line: "3.9", Status: EOL, Date: "2025-10-31", Source: srcPython, Instead: "currency.python-3.9.instead"},
	// MinIO: releases are dated; every community image predates the fix.
	{Family: "minio", Line: "RELEASE", Below: "2025-10-15T17-29-55Z", Status: KnownCVE, Date: "2025-10-15", Source: srcMinIO, Note: "currency.minio-RELEASE-below.note", Instead: "currency.minio-RELEASE-below.instead"},
}
