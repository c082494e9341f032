#!/usr/bin/env bash
# One-shot set-up of the logging overlay's accounts, run by the es_setup
# service with the passwords from .env in its environment. Idempotent: it
# (re)sets the kibana_system password and (re)creates the Filebeat writer
# role and user on every `docker compose up`.
set -euo pipefail

es=http://elasticsearch:9200

# curl_es METHOD PATH [JSON]: an authenticated request. The credentials
# go to curl as a config on stdin and the body through a pipe, so no
# password shows in the process list.
curl_es() {
  local method=$1 path=$2 body=${3:-}
  local args=(-fsS -X "$method" -H 'Content-Type: application/json' "$es$path")
  if [[ -n $body ]]; then args+=(--data-binary @<(printf '%s' "$body")); fi
  printf 'user = "elastic:%s"\n' "$ELASTIC_PASSWORD" | curl -K - "${args[@]}" -o /dev/null
}

echo "es_setup: waiting for Elasticsearch"
for _ in $(seq 1 60); do
  if curl_es GET /_security/_authenticate; then break; fi
  sleep 2
done
curl_es GET /_security/_authenticate

echo "es_setup: setting the kibana_system password"
curl_es POST /_security/user/kibana_system/_password \
  "{\"password\":\"${KIBANA_SYSTEM_PASSWORD}\"}"

echo "es_setup: creating the filebeat_writer role and user"
curl_es PUT /_security/role/filebeat_writer '{
  "cluster": ["monitor", "read_ilm", "manage_ilm", "read_pipeline", "manage_index_templates", "manage_ingest_pipelines"],
  "indices": [{
    "names": ["filebeat-*"],
    "privileges": ["create_doc", "view_index_metadata", "auto_configure", "create_index", "manage"]
  }]
}'
curl_es PUT /_security/user/filebeat_writer \
  "{\"password\":\"${FILEBEAT_PASSWORD}\",\"roles\":[\"filebeat_writer\"],\"full_name\":\"Filebeat (stackgen logging overlay)\"}"

echo "es_setup: done"
