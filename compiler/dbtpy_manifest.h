#pragma once
// dbtpy's own artifacts: the JSON object per Python model that `dbtpy ls --output json`
// prints (exactly the fields issue 2 lists), and <target-path>/dbtpy/manifest.json that
// `dbtpy parse` writes — the same per-model objects plus provenance, relation lookups and the
// other nodes' relations. Both are written as text straight from the IR (no Json tree; the
// Json functions below give the same data as a tree, byte for byte the same when dumped). The
// manifest's entries are formatted in parallel chunks and written in order while later chunks
// are formatted, to a temp file renamed into place (util/fs.h AtomicFileWriter), so a crash or
// a failed write never leaves half a file. Pure apart from write_dbtpy_manifest; every function
// is safe to call from several threads on a Project nobody modifies.
#include <filesystem>
#include <set>
#include <string>

#include "compiler/project.h"
#include "util/json.h"

namespace dbtpy::compiler {

inline constexpr int kDbtpyManifestVersion = 1;

// The `ls --output json` object: name, unique_id, original_file_path, refs, sources, config,
// config_keys_used, meta_keys_used, depends_on, relation, checksum.
Json model_json(const ModelIR& model);
// The same with the model's config already unpacked.
Json model_json(const ModelIR& model, const ResolvedConfig& config);

// model_json(model).dump(-1, ' ', false, Json::error_handler_t::replace), written directly
// (what `ls --output json` prints per line). With `keys`, only the top-level members it names.
std::string model_json_text(const ModelIR& model, const std::set<std::string>* keys = nullptr);

// model_json plus the fields the manifest keeps: resource_type, language, package_name, fqn,
// description, config_provenance, ref_relations, source_relations, imports, model_def_line.
Json manifest_model_json(const Node& node, const ModelIR& model);

// The whole manifest as text (deterministic: no timestamps, keys sorted).
std::string dbtpy_manifest_text(const Project& project);

// Writes <target-path>/dbtpy/manifest.json atomically and returns its path. Throws
// std::runtime_error naming the path when it cannot be written.
std::filesystem::path write_dbtpy_manifest(const Project& project);

}  // namespace dbtpy::compiler
