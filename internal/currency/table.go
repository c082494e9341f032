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

// rows is the table. Each row was read on Written from its Source; Date
// is the day the status began (a GA, an end of life, a licence change, a
// fixed release). Rows with Below are patch- or release-level facts and
// are checked before the line rows of their family.
var rows = []Row{
	// MySQL: LTS lines 8.4 and 9.7; innovation releases live until the
	// next one; 8.0 ended with 8.0.46, shipped beside 9.7.0.
	{Family: "mysql", Line: "9.7", Status: Supported, Date: "2026-04-21", Source: srcMySQL97, Note: "LTS, GA with 9.7.0"},
	{Family: "mysql", Line: "8.4", Status: Supported, Date: "2024-04-30", Source: srcMySQLLTS, Note: "LTS, premier support until April 2029"},
	{Family: "mysql", Line: "8.0", Status: EOL, Date: "2026-04-21", Source: srcMySQL97, Note: "8.0.46 was the last release", Instead: "mysql:9.7 (or mysql:8.4)"},
	{Family: "mysql", Line: "9.6", Status: EOL, Date: "2026-04-21", Source: srcMySQL97, Note: "innovation release, superseded by 9.7 LTS", Instead: "mysql:9.7"},
	{Family: "mysql", Line: "5.7", Status: EOL, Date: "2023-10-31", Source: srcMySQLLTS, Instead: "mysql:9.7 (or mysql:8.4)"},
	// MariaDB: long-term releases only.
	{Family: "mariadb", Line: "12.3", Status: Supported, Date: "2026-05-28", Source: srcMariaDB123, Note: "LTS"},
	{Family: "mariadb", Line: "11.8", Status: Supported, Date: "2025-06-04", Source: srcMariaDBPol, Note: "LTS"},
	{Family: "mariadb", Line: "11.4", Status: Supported, Date: "2024-05-29", Source: srcMariaDBPol, Note: "LTS"},
	{Family: "mariadb", Line: "10.11", Status: Supported, Date: "2023-02-16", Source: srcMariaDBPol, Note: "LTS, until February 2028"},
	{Family: "mariadb", Line: "10.6", Status: EOL, Date: "2026-07-06", Source: srcMariaDBPol, Instead: "mariadb:12.3 (or 11.8, 11.4)"},
	{Family: "mariadb", Line: "10.5", Status: EOL, Date: "2025-06-24", Source: srcMariaDBPol, Instead: "mariadb:12.3 (or 11.8, 11.4)"},
	// nginx maintains one stable and one mainline branch.
	{Family: "nginx", Line: "1.30", Below: "1.30.1", Status: KnownCVE, Date: "2026-05-13", Source: srcNginxSec, Note: "CVE-2026-42945 (rewrite module heap overflow), fixed in 1.30.1", Instead: "nginx:1.30 (the newest patch)"},
	{Family: "nginx", Line: "1.30", Status: Supported, Date: "2026-04-14", Source: srcNginxCHANGES, Note: "stable branch"},
	{Family: "nginx", Line: "1.28", Status: EOL, Date: "2026-04-14", Source: srcNginxCHANGES, Note: "former stable branch; 1.30 replaced it", Instead: "nginx:1.30"},
	{Family: "nginx", Line: "1.29", Status: EOL, Date: "2026-04-14", Source: srcNginxCHANGES, Note: "former mainline branch; 1.31 replaced it", Instead: "nginx:1.30"},
	{Family: "nginx", Line: "1.27", Status: EOL, Date: "2025-04-23", Source: srcNginxCHANGES, Note: "former mainline branch", Instead: "nginx:1.30"},
	{Family: "nginx", Line: "1.26", Status: EOL, Date: "2025-04-23", Source: srcNginxCHANGES, Instead: "nginx:1.30"},
	// Redis: 7.4 moved to RSALv2/SSPLv1 (not OSI-approved); 8 added AGPLv3.
	{Family: "redis", Line: "8", Status: Supported, Date: "2025-05-01", Source: srcRedisLic, Note: "AGPLv3 (OSI-approved) among its licences"},
	{Family: "redis", Line: "7.4", Status: LicenceChanged, Date: "2024-03-20", Source: srcRedisRSAL, Note: "RSALv2/SSPLv1 only, neither OSI-approved", Instead: "redis:8.6 (AGPLv3) or valkey/valkey:9 (BSD)"},
	{Family: "redis", Line: "7.2", Status: Supported, Date: "2023-08-15", Source: srcRedisLic, Note: "the last BSD-3-Clause Redis"},
	// Valkey: the BSD fork, a drop-in for Redis 7.2.
	{Family: "valkey", Line: "9", Status: Supported, Date: "2025-10-21", Source: srcValkey, Note: "BSD-3-Clause"},
	{Family: "valkey", Line: "8", Status: Supported, Date: "2024-09-15", Source: srcValkey, Note: "BSD-3-Clause"},
	// PostgreSQL: five years per major.
	{Family: "postgres", Line: "18", Status: Supported, Date: "2025-09-25", Source: srcPostgres},
	{Family: "postgres", Line: "17", Status: Supported, Date: "2024-09-26", Source: srcPostgres},
	{Family: "postgres", Line: "16", Status: Supported, Date: "2023-09-14", Source: srcPostgres},
	{Family: "postgres", Line: "15", Status: Supported, Date: "2022-10-13", Source: srcPostgres},
	{Family: "postgres", Line: "14", Status: EOL, Date: "2026-11-12", Source: srcPostgres, Instead: "postgres:18 (or 17, 16, 15)"},
	{Family: "postgres", Line: "13", Status: EOL, Date: "2025-11-13", Source: srcPostgres, Instead: "postgres:18 (or 17, 16, 15)"},
	// CPython: two years of bug fixes, then security fixes to year five.
	{Family: "python", Line: "3.14", Status: Supported, Date: "2025-10-07", Source: srcPython, Note: "bug fixes"},
	{Family: "python", Line: "3.13", Status: SecurityOnly, Date: "2026-10-07", Source: srcPython, Note: "security fixes until October 2029"},
	{Family: "python", Line: "3.12", Status: SecurityOnly, Date: "2025-04-08", Source: srcPython, Note: "security fixes until October 2028"},
	{Family: "python", Line: "3.11", Status: SecurityOnly, Date: "2024-04-02", Source: srcPython, Note: "security fixes until October 2027"},
	{Family: "python", Line: "3.10", Status: EOL, Date: "2026-10-31", Source: srcPython, Instead: "python:3.13-slim (or 3.14)"},
	{Family: "python", Line: "3.9", Status: EOL, Date: "2025-10-31", Source: srcPython, Instead: "python:3.13-slim (or 3.14)"},
	// MinIO: releases are dated; every community image predates the fix.
	{Family: "minio", Line: "RELEASE", Below: "2025-10-15T17-29-55Z", Status: KnownCVE, Date: "2025-10-15", Source: srcMinIO, Note: "CVE-2025-62506 (a service account or STS session could create keys beyond its own policy), fixed in RELEASE.2025-10-15T17-29-55Z, of which no community image exists", Instead: "MinIO built from RELEASE.2025-10-15T17-29-55Z or later, or another S3 store"},
}
