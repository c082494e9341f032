// Package backup dumps and restores the data a stack declares stateful
// (stack.Definition.State), one small strategy per kind of state, and
// defines the backup folder format that `stackgen backup`/`restore` and the
// generated scripts/backup.sh and restore.sh share.
//
// # Folder format (stackgen-backup/1)
//
// A backup is one folder, by default backups/<YYYYMMDD-HHMMSS> (UTC) in the
// project directory, holding:
//
//	manifest.json   what the backup is (see Manifest)
//	SHA256SUMS      "<sha256>  <name>" per data file, as sha256sum writes it,
//	                so a host with only coreutils can check it (sha256sum -c)
//	<data files>    one per declared state, named by FileName:
//	                  <service>.sql.gz   MySQL/MariaDB: mysqldump/mariadb-dump of every
//	                                     non-system database, --single-transaction,
//	                                     --add-drop-database (users and grants come
//	                                     from the image's variables in .env)
//	                  <service>.pgdump   Postgres: pg_dump -Fc of POSTGRES_DB
//	                  <service>.rdb      Redis: the RDB file, copied after a BGSAVE
//	                                     that started after the backup did has ended
//	                  <service>.<volume>.tar  files: a tar of the directory, entry
//	                                     names relative to it ("./", "./a.jpg")
//
// manifest.json is JSON so a shell script can write it with printf:
//
//	{
//	  "format": "stackgen-backup/1",
//	  "stack": "django-uwsgi",
//	  "project": "mysite",
//	  "stackgen_version": "1.2.0",
//	  "created": "2026-11-23T01:40:00Z",
//	  "files": [
//	    {"name": "db.sql.gz", "service": "db", "kind": "mariadb", "volume": "db_vol",
//	     "size": 12345, "sha256": "…"}
//	  ]
//	}
//
// A restore finds each state's file by the manifest's service and kind
// (and volume, for files), not by its name, and reads any *.gz data file
// as gzip; so a backup written by a script ("stackgen_version": "script")
// may keep its own names (dump.rdb, media.tar.gz) as long as it writes
// manifest.json. SHA256SUMS, when present, must agree with the manifest.
//
// Dumps run inside the service's own container through the Engine API's
// exec, without a TTY, and stream stdout straight to the file: the
// credentials stay in the container's environment, and no TTY can turn the
// dump's bytes into terminal line endings.
package backup
