#include "tests/sandbox/sandbox_fixture.h"

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdlib.h>

#include <cstdio>
#include <sstream>

#include "sandbox/config.h"
#include "util/fs.h"
#include "util/jwt.h"
#include "util/strings.h"

namespace dbtpy::sandbox::testing {
namespace {

std::string indent(const std::string& text, const std::string& pad) {
  std::string out;
  for (const auto& line : split(text, '\n')) {
    if (!line.empty()) out += pad + line + "\n";
  }
  return out;
}

std::string fingerprint_free_public_pem(EVP_PKEY* key) {
  return public_key_pem(key);
}

}  // namespace

const Keys& keys() {
  static const Keys k = [] {
    Keys out;
    out.snowflake.reset(EVP_RSA_gen(2048));
    out.snowflake_other.reset(EVP_RSA_gen(2048));
    out.google.reset(EVP_RSA_gen(2048));
    out.snowflake_public_pem = fingerprint_free_public_pem(out.snowflake.get());
    out.google_public_pem = public_key_pem(out.google.get());
    return out;
  }();
  return k;
}

std::string private_key_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

std::string test_config(const std::string& extra, const std::string& defaults) {
  const Keys& k = keys();
  std::ostringstream y;
  y << "seed: 7\n"
    << "snowflake:\n"
    << "  account: SANDBOX\n"
    << "  users:\n"
    << "    - name: dbtpy\n"
    << "      public_key: |\n"
    << indent(k.snowflake_public_pem, "        ") << "      oauth_tokens: [" << kSnowflakeOAuth
    << "]\n"
    << "      programmatic_access_tokens: [" << kSnowflakePat << "]\n"
    << "databricks:\n"
    << "  user_name: dbtpy@example.com\n"
    << "  workspace_id: 1234567890123456\n"
    << "  personal_access_tokens: [" << kDatabricksPat << "]\n"
    << "  oauth_clients: [{client_id: sp-client, client_secret: dose-secret}]\n"
    << "  context_start: 400ms\n"
    << "  library_install: 900ms\n"
    << "  max_import_bytes: 1048576\n"
    << "  clusters:\n"
    << "    - cluster_id: " << kRunningCluster << "\n"
    << "      state: RUNNING\n"
    << "      libraries: [{pypi: {package: pandas}}]\n"
    << "    - cluster_id: " << kTerminatedCluster << "\n"
    << "      state: TERMINATED\n"
    << "      start_duration: 1s\n"
    << "google:\n"
    << "  service_accounts:\n"
    << "    - client_email: " << kServiceAccount << "\n"
    << "      key_id: test-key-1\n"
    << "      public_key: |\n"
    << indent(k.google_public_pem, "        ")
    << "  refresh_clients: [{client_id: user-client, client_secret: user-secret, refresh_token: "
       "rt-1}]\n"
    << "  projects:\n"
    << "    - id: " << kProject << "\n"
    << "      regions: [" << kRegion << "]\n"
    << "      clusters: [{name: sandbox-cluster, region: " << kRegion << "}]\n"
    << "  buckets: [" << kBucket << "]\n"
    << defaults << extra;
  return y.str();
}

Harness::Harness(const std::string& yaml) {
  char tmpl[] = "/tmp/dbtpy-sandbox-test-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  SandboxConfig config = parse_config(yaml, "sandbox.yml", dir_);
  SandboxOptions options;
  options.state_dir = dir_ / "state";
  options.log_file = dir_ / "requests.jsonl";
  options.server.threads = 16;
  sandbox_ = std::make_unique<Sandbox>(std::move(config), options);
  url_ = sandbox_->start(0);
}

Harness::~Harness() {
  sandbox_->stop();
  sandbox_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

httplib::Client Harness::client() const {
  httplib::Client c(url_);
  c.set_read_timeout(60, 0);
  c.set_connection_timeout(5, 0);
  return c;
}

Json Harness::stats() const {
  return json_of(client().Get("/_sandbox/stats"));
}
Json Harness::relations() const {
  return json_of(client().Get("/_sandbox/relations"));
}

std::string Harness::google_token() const {
  std::string body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" +
                     google_assertion(url_ + "/token");
  auto r = client().Post("/token", body, "application/x-www-form-urlencoded");
  return json_of(r).value("access_token", "");
}

std::string snowflake_jwt(long long iat_offset, long long lifetime, EVP_PKEY* key,
                          const std::string& account, const std::string& user) {
  EVP_PKEY* signer = key ? key : keys().snowflake.get();
  // The fingerprint is always of the registered key, so a wrong `key` fails the signature.
  std::string fp;
  {
    std::string der = public_key_der(keys().snowflake.get());
    unsigned char digest[32];
    unsigned int len = 0;
    EVP_Digest(der.data(), der.size(), digest, &len, EVP_sha256(), nullptr);
    std::string raw(reinterpret_cast<char*>(digest), len);
    BIO* b64 = BIO_new(BIO_f_base64());
    BIO* mem = BIO_new(BIO_s_mem());
    BIO_set_flags(b64, BIO_FLAGS_BASE64_NO_NL);
    BIO_push(b64, mem);
    BIO_write(b64, raw.data(), static_cast<int>(raw.size()));
    (void)BIO_flush(b64);
    char* data = nullptr;
    long n = BIO_get_mem_data(mem, &data);
    fp = "SHA256:" + std::string(data, static_cast<size_t>(n));
    BIO_free_all(b64);
  }
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count() +
                        iat_offset;
  Json claims = {{"iss", account + "." + user + "." + fp},
                 {"sub", account + "." + user},
                 {"iat", now},
                 {"exp", now + lifetime}};
  return jwt_encode_rs256(claims, signer);
}

httplib::Headers snowflake_headers(const std::string& token, const std::string& type) {
  httplib::Headers h = {{"Authorization", "Bearer " + token},
                        {"User-Agent", "dbtpy-sandbox-test/1.0"},
                        {"Accept", "application/json"}};
  if (!type.empty()) h.emplace("X-Snowflake-Authorization-Token-Type", type);
  return h;
}

httplib::Headers bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}, {"User-Agent", "dbtpy-sandbox-test/1.0"}};
}

std::string google_assertion(const std::string& aud, const Json& claims, EVP_PKEY* key) {
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  Json c = {{"iss", kServiceAccount},
            {"scope", "https://www.googleapis.com/auth/cloud-platform"},
            {"aud", aud},
            {"iat", now},
            {"exp", now + 3600}};
  if (claims.is_object()) c.update(claims);
  return jwt_encode_rs256(c, key ? key : keys().google.get(), {{"kid", "test-key-1"}});
}

std::string model_source(const std::string& unique_id, const std::string& relation,
                         const std::string& platform, const std::string& materialized) {
  Json meta = {{"materialized", materialized},
               {"platform", platform},
               {"relation", relation},
               {"unique_id", unique_id}};
  return "import json\n\n"
         "# dbtpy-model: " +
         meta.dump() +
         "\n\n"
         "def model(dbt, session):\n"
         "    dbt.config(materialized=\"" +
         materialized +
         "\")\n"
         "    return session.sql('select 1 as id')\n\n"
         "def main(session):\n"
         "    df = model(None, session)\n"
         "    return json.dumps({'ok': True})\n";
}

Json json_of(const httplib::Result& r) {
  if (!r) return Json();
  return Json::parse(r->body, nullptr, false);
}

bool eventually(const std::function<bool()>& f, double seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return f();
}

Json run_spec_checks(const Json& checks) {
  char tmpl[] = "/tmp/dbtpy-spec-checks-XXXXXX";
  std::filesystem::path dir = ::mkdtemp(tmpl);
  Json request = {{"specs_dir", std::string(DBTPY_SHARED_DIR) + "/specs"}, {"checks", checks}};
  write_file_atomic(dir / "checks.json", request.dump());
  std::string cmd = "/usr/bin/python3 " + std::string(DBTPY_SOURCE_DIR) +
                    "/tests/sandbox/openapi_check.py " + (dir / "checks.json").string() + " 2>&1";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
      out.append(buf, n);
    ::pclose(p);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  Json res = Json::parse(out, nullptr, false);
  if (res.is_discarded()) return {{"error", out}};
  return res;
}

}  // namespace dbtpy::sandbox::testing
