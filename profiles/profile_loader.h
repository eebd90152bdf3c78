#pragma once
// Finding and reading profiles.yml as dbt does: the file comes from --profiles-dir, else
// $DBT_PROFILES_DIR, else the project folder, else ~/.dbt; the profile from --profile, else
// dbt_project.yml's `profile:`; the target from --target, else the profile's `target:` (itself
// rendered, so `target: "{{ env_var('DBT_TARGET', 'dev') }}"` works), else `default`.
// Non-secret fields are rendered now; secret fields (is_secret_field_name) stay unrendered in
// SecretFields until a credential is built, so `ls`/`parse`/`compile` work without them.
// Output types snowflake, databricks and bigquery are accepted with every field they carry.
// Pure apart from reading the file; the result is immutable and safe to share across threads.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "profiles/endpoints.h"
#include "profiles/secret_fields.h"
#include "profiles/target.h"
#include "util/json.h"
#include "util/redactor.h"

namespace dbtpy::profiles {

struct LoadedProfile {
  Target target;
  SecretFields secrets;
  std::filesystem::path profiles_file;  // the profiles.yml that was read
};

struct ProfileRequest {
  std::filesystem::path project_dir;                  // folder of dbt_project.yml
  std::optional<std::filesystem::path> profiles_dir;  // --profiles-dir
  std::optional<std::string> profile_name;            // --profile
  std::string project_profile;                        // dbt_project.yml `profile:`
  std::optional<std::string> target_name;             // --target / -t
  Json cli_vars = Json::object();                     // --vars (the only vars profiles see)
  EnvLookup env;                                      // process_env() in the CLI
  std::shared_ptr<Redactor> redactor;                 // receives every secret value rendered
};

// Where profiles.yml is, in dbt's order. Throws dbtpy::Error DBTPY204 naming every folder
// it looked in when there is none.
std::filesystem::path find_profiles_file(const ProfileRequest& request);

// Loads the active target. Throws dbtpy::Error (kUsage, DBTPY201-208, DBTPY211-217) naming
// profiles.yml and the line at fault.
LoadedProfile load_profile(const ProfileRequest& request);

}  // namespace dbtpy::profiles
