#!/usr/bin/env bash
# Makes throw-away credentials for running dbtpy against dbtpy-sandbox, and the matching
# sandbox configuration, in OUT_DIR (keep it out of git: examples/*/.sandbox/ is ignored).
#
#   scripts/sandbox_credentials.sh OUT_DIR            # keys, tokens, OUT_DIR/sandbox.yml
#   scripts/sandbox_credentials.sh OUT_DIR BASE_URL   # also the Google key file, profiles.yml and
#                                                     # sandbox.env (examples/jaffle_py's variables)
#
# Run it once without BASE_URL, start `dbtpy-sandbox --config OUT_DIR/sandbox.yml --port 0`,
# then run it again with the URL the sandbox printed: the service-account key file's token_uri
# and every profile target must point at that URL. Keys and tokens are made once and reused;
# nothing here belongs to a real account. Needs the `openssl` command line tool.
# Environment: PROFILE_NAME (default jaffle_py), the profile name the example project uses.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 OUT_DIR [BASE_URL]" >&2
  exit 2
fi
command -v openssl >/dev/null || { echo "error: the openssl command is needed (apt-get install openssl)" >&2; exit 1; }
out=$1
base=${2:-}
base=${base%/}
profile=${PROFILE_NAME:-jaffle_py}
mkdir -p "$out"
out=$(cd "$out" && pwd)
umask 077

key_pair() {  # key_pair NAME: NAME.p8 (PKCS#8 private key) and NAME.pub
  if [[ ! -f "$out/$1.p8" ]]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$out/$1.p8" 2>/dev/null
    openssl pkey -in "$out/$1.p8" -pubout -out "$out/$1.pub"
  fi
}
key_pair snowflake_rsa_key
key_pair google_sa_key

# Random bearer tokens, made once.
if [[ ! -f "$out/tokens.env" ]]; then
  cat > "$out/tokens.env" <<EOF
DATABRICKS_TOKEN=dapi$(openssl rand -hex 16)
DATABRICKS_CLIENT_SECRET=dose$(openssl rand -hex 16)
SNOWFLAKE_OAUTH_TOKEN=sf-oauth-$(openssl rand -hex 16)
SNOWFLAKE_PAT=sf-pat-$(openssl rand -hex 16)
GOOGLE_CLIENT_SECRET=gcs-$(openssl rand -hex 12)
GOOGLE_REFRESH_TOKEN=1//$(openssl rand -hex 24)
GOOGLE_KEY_ID=$(openssl rand -hex 20)
EOF
fi
# shellcheck disable=SC1091
source "$out/tokens.env"

project=sandbox-project
region=us-central1
bucket=dbtpy-sandbox-bucket
cluster=0101-000000-sandbox
workspace_id=1234567890123456
sa_email=dbtpy-sandbox@$project.iam.gserviceaccount.com

cat > "$out/sandbox.yml" <<EOF
# dbtpy-sandbox configuration written by scripts/sandbox_credentials.sh (throw-away keys).
seed: 1
snowflake:
  account: SANDBOX
  users:
    - name: DBTPY
      public_key_file: snowflake_rsa_key.pub
      oauth_tokens: [$SNOWFLAKE_OAUTH_TOKEN]
      programmatic_access_tokens: [$SNOWFLAKE_PAT]
databricks:
  user_name: dbtpy@example.com
  workspace_id: $workspace_id
  personal_access_tokens: [$DATABRICKS_TOKEN]
  oauth_clients: [{client_id: dbtpy-sandbox, client_secret: $DATABRICKS_CLIENT_SECRET}]
  clusters:
    - cluster_id: $cluster
      cluster_name: sandbox
      state: TERMINATED
      start_duration: 2s
google:
  service_accounts:
    - client_email: $sa_email
      key_id: $GOOGLE_KEY_ID
      public_key_file: google_sa_key.pub
  refresh_clients: [{client_id: dbtpy-sandbox-user, client_secret: $GOOGLE_CLIENT_SECRET, refresh_token: "$GOOGLE_REFRESH_TOKEN"}]
  projects:
    - id: $project
      regions: [$region]
      clusters: [{name: sandbox-cluster, region: $region}]
  buckets: [$bucket]
defaults: {min_duration: 200ms, max_duration: 1s}
rules: []
faults: []
EOF
echo "wrote $out/sandbox.yml"

if [[ -z "$base" ]]; then
  echo "next: dbtpy-sandbox --config $out/sandbox.yml --state-dir $out/state --port 0, then $0 $out <printed URL>"
  exit 0
fi

hostport=${base#*://}
host=${hostport%%:*}
port=${hostport##*:}
scheme=${base%%://*}
pem=$(awk 'NF {printf "%s\\n", $0}' "$out/google_sa_key.p8")
cat > "$out/google-service-account.json" <<EOF
{
  "type": "service_account",
  "project_id": "$project",
  "private_key_id": "$GOOGLE_KEY_ID",
  "private_key": "$pem",
  "client_email": "$sa_email",
  "client_id": "100000000000000000001",
  "auth_uri": "$base/o/oauth2/auth",
  "token_uri": "$base/token",
  "auth_provider_x509_cert_url": "$base/oauth2/v1/certs",
  "client_x509_cert_url": "$base/robot/v1/metadata/x509/$sa_email"
}
EOF
cat > "$out/profiles.yml" <<EOF
# Profiles for running the example project against dbtpy-sandbox at $base.
$profile:
  target: sandbox_snowflake
  outputs:
    sandbox_snowflake:
      type: snowflake
      account: SANDBOX
      host: $host
      port: $port
      protocol: $scheme
      user: DBTPY
      private_key_path: $out/snowflake_rsa_key.p8
      role: TRANSFORMER
      warehouse: SANDBOX_WH
      database: ANALYTICS
      schema: JAFFLE
      threads: 4
    sandbox_databricks:
      type: databricks
      host: $base
      http_path: sql/protocolv1/o/$workspace_id/$cluster
      cluster_id: $cluster
      token: $DATABRICKS_TOKEN
      catalog: main
      schema: jaffle
      threads: 4
    sandbox_bigquery:
      type: bigquery
      method: service-account
      keyfile: $out/google-service-account.json
      project: $project
      dataset: jaffle
      location: US
      compute_region: $region
      gcs_bucket: $bucket
      dataproc_cluster_name: sandbox-cluster
      submission_method: serverless
      dataproc_endpoint: $base
      storage_endpoint: $base
      bigquery_endpoint: $base
      threads: 4
EOF
# The variables examples/jaffle_py/profiles.yml reads: `set -a; . OUT_DIR/sandbox.env; set +a`.
cat > "$out/sandbox.env" <<EOF
SNOWFLAKE_ACCOUNT=SANDBOX
SNOWFLAKE_HOST=$host
SNOWFLAKE_PORT=$port
SNOWFLAKE_PROTOCOL=$scheme
SNOWFLAKE_USER=DBTPY
SNOWFLAKE_PRIVATE_KEY_PATH=$out/snowflake_rsa_key.p8
SNOWFLAKE_PRIVATE_KEY_PASSPHRASE=
DATABRICKS_HOST=$base
DATABRICKS_HTTP_PATH=sql/protocolv1/o/$workspace_id/$cluster
DATABRICKS_CLUSTER_ID=$cluster
DATABRICKS_TOKEN=$DATABRICKS_TOKEN
GCP_PROJECT=$project
GCP_REGION=$region
GOOGLE_APPLICATION_CREDENTIALS=$out/google-service-account.json
DBT_GCS_BUCKET=$bucket
DATAPROC_ENDPOINT=$base
STORAGE_ENDPOINT=$base
BIGQUERY_ENDPOINT=$base
EOF
echo "wrote $out/google-service-account.json, $out/profiles.yml (targets sandbox_snowflake,"
echo "  sandbox_databricks, sandbox_bigquery) and $out/sandbox.env (for examples/jaffle_py)"
