#include "compiler/project_loader.h"

#include <fmt/format.h>
#include <malloc.h>  // malloc_trim
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "compiler/analysis_cache.h"
#include "compiler/config_builder.h"
#include "compiler/config_merge.h"
#include "compiler/dbt_manifest.h"
#include "compiler/parallel_for.h"
#include "compiler/properties.h"
#include "compiler/ref_resolver.h"
#include "compiler/relation_naming.h"
#include "compiler/sql_node.h"
#include "compiler/unique_id_order.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/phase_timer.h"
#include "util/strings.h"

namespace dbtpy::compiler {
namespace fs = std::filesystem;

namespace {

// `v` with capacity for its elements only (what shrink_to_fit does in libstdc++, but
// guaranteed).
template <typename T>
std::vector<T> exact(std::vector<T>&& v) {
  if (v.capacity() == v.size()) return std::move(v);
  std::vector<T> out;
  out.reserve(v.size());
  std::move(v.begin(), v.end(), std::back_inserter(out));
  return out;
}

enum class FileKind { kPython, kSqlModel, kSnapshot, kSeed, kProperties };

struct PackageState {
  DbtProjectFile project;
  bool is_root = false;
  std::string display_prefix;  // "" for the root, "dbt_packages/pkg/" otherwise
  Json vars = Json::object();  // the vars nodes of this package see
  profiles::JinjaValueContext ctx;
};

struct SourceFile {
  FileKind kind = FileKind::kPython;
  size_t package = 0;
  // A string, not an fs::path: libstdc++ paths also keep each component as a path of its
  // own (~400 bytes per file on the heap, 4 MB on 10,000 files).
  std::string absolute;
  std::string rel;                // relative to its package root ('/'), dbt's original_file_path
  std::string display;            // relative to the root project, for messages
  std::vector<std::string> dirs;  // folders between the resource path and the file
  std::string stem;
  size_t result = 0;  // index into the results of its kind
};

struct SqlResult {
  SqlScan scan;
  std::string read_error;
};

struct YamlResult {
  PropertiesFile props;
  std::vector<Diagnostic> diagnostics;
};

// What the first pass keeps of a Python file's analysis until its config is resolved: the
// rest goes straight into its ModelIR (the file's bytes are not kept).
struct PythonResult {
  std::string read_error;               // non-empty: the file could not be read
  std::vector<Json> config_calls;       // dbt.config(...) calls, in order
  std::vector<Diagnostic> diagnostics;  // the analysis's, reported with the node's
  bool has_errors = false;
};

// Partial parsing during one load (LoadOptions::partial_parse): the stored analyses, looked up
// for every Python file before the workers start (then only read), and the entries the workers
// make for files they analyze (one slot per Python file, by SourceFile::result: no locks).
struct PartialParse {
  bool read = false;       // look analyses up in `cache`
  bool write = false;      // store the analyses of this load
  bool rejected = false;   // a cache file was there but could not be used
  bool elsewhere = false;  // read from --partial-parse-file-path, so `path` has no copy yet
  std::string from;        // where it is read
  std::string why;         // for the debug log: why nothing was reused
  std::string path;        // where it is written
  std::optional<AnalyzerIdentity> identity;
  AnalysisCache cache;
  std::vector<int32_t> entry;           // per Python file: its entry in `cache`, -1 when none
  std::vector<char> reused;             // per Python file: its analysis came from `cache`
  std::vector<char> unread;             // per Python file: ... and its stamp, so it was not read
  std::vector<EntryArena> arenas;       // per worker: the bytes of `fresh`
  std::vector<std::string_view> fresh;  // per Python file analyzed: its new entry (if writing)
  double read_seconds = 0;
};

// What one worker found while resolving nodes in parallel; merged into the project after.
struct Findings {
  std::vector<Diagnostic> diagnostics;
  bool project_errors = false;
  bool model_errors = false;
  // dbt_project.yml `+materialized` values Python models did not get -> those models
  std::map<std::string, std::vector<std::string>> overridden_materialized;

  void project_error(Diagnostic d) {
    project_errors = true;
    diagnostics.push_back(std::move(d));
  }
  void model_error(Diagnostic d) {
    model_errors = true;
    diagnostics.push_back(std::move(d));
  }
};

struct FolderConfig {
  bool computed = false;
  ResolvedConfig config;
  PackedConfig packed;  // `config` packed: where PackedConfigBuilder starts a Python model
  const Json* level = nullptr;
  std::string path;
};

// For unordered maps keyed by (package index, name[, flag]).
struct KeyHash {
  size_t operator()(const std::pair<size_t, std::string>& k) const {
    return std::hash<std::string>{}(k.second) ^ (k.first * 0x9e3779b97f4a7c15ULL);
  }
  size_t operator()(const std::tuple<size_t, std::string, bool>& k) const {
    return std::hash<std::string>{}(std::get<1>(k)) ^ (std::get<0>(k) * 0x9e3779b97f4a7c15ULL) ^
           static_cast<size_t>(std::get<2>(k));
  }
};

// A node being built, before the final sort.
struct Pending {
  // The node itself lives in Project::nodes from the start, at the Pending's own index (see
  // Loader::add_node), so 10,000 large Node structs never exist twice.
  Node* node = nullptr;
  // dbt_project.yml layers of the node's folder (own package, and the root's overlay for
  // package nodes), prepared before the parallel phase.
  const FolderConfig* own_folder = nullptr;
  const FolderConfig* root_folder = nullptr;
  // Filled by the parallel phase:
  bool dropped = false;   // unreadable file or invalid config: not a node
  bool disabled = false;  // `enabled: false`
  // Python models: the slot in Project::python_models reserved for its ModelIR, which the
  // parallel phase builds in place (moving 10,000 of them into the project afterwards would
  // hold two copies at once); compacted and sorted by resolve_all.
  int ir_slot = -1;
  bool ir_built = false;
  bool resolved = false;  // resolve_pending ran (in phase 1 for most Python models)

  Pending() = default;
  Pending(Pending&&) noexcept = default;
  Pending& operator=(Pending&&) noexcept = default;
  int file = -1;   // index into files
  int block = -1;  // snapshot block index within its file
  // Config layers of properties entries (in yaml_, which outlives node resolution): pointed
  // at, not copied.
  std::vector<const Json*> properties_layers;
  const NodeEntry* patched_by = nullptr;
  bool yaml_snapshot = false;
  const NodeEntry* yaml_snapshot_entry = nullptr;
};

// A DAG edge found by ref resolution: (parent, child) node indices.
using Edge = std::pair<uint32_t, uint32_t>;

// Where a node's parents go, as edges to it.
struct Parents {
  uint32_t child = 0;
  std::vector<Edge>& edges;
  void add(size_t parent) { edges.emplace_back(static_cast<uint32_t>(parent), child); }
};

// Where an enabled node came from: what ref resolution still needs of its Pending once the
// pending nodes are released.
struct NodeOrigin {
  int file = -1;
  int block = -1;
  const NodeEntry* yaml_snapshot_entry = nullptr;
};

bool has_ext(const fs::path& p, std::initializer_list<const char*> exts) {
  std::string e = p.extension().string();
  for (const char* x : exts)
    if (e == x) return true;
  return false;
}

Diagnostic make_diag(Severity sev, std::string code, std::string file, int line, int col,
                     std::string message, std::string hint) {
  Diagnostic d;
  d.severity = sev;
  d.code = std::move(code);
  d.file = std::move(file);
  d.line = line;
  d.column = col;
  d.message = std::move(message);
  d.hint = std::move(hint);
  return d;
}

// Puts `items` in the order `order` gives (order[i]: the former index of the element to put
// at i), moving each element once by following the permutation's cycles (items are large:
// std::sort's swaps dominated).
template <typename T>
void apply_permutation(std::vector<T>& items, const std::vector<size_t>& order) {
  std::vector<char> placed(items.size(), 0);
  for (size_t start = 0; start < items.size(); ++start) {
    if (placed[start]) continue;
    T tmp = std::move(items[start]);
    size_t at = start;
    while (true) {
      placed[at] = 1;
      size_t from = order[at];
      if (from == start) break;
      items[at] = std::move(items[from]);
      at = from;
    }
    items[at] = std::move(tmp);
  }
}

// Hash of a (package, name) pair.
inline size_t name_hash(std::string_view package, std::string_view name) {
  const size_t a = std::hash<std::string_view>{}(package);
  const size_t b = std::hash<std::string_view>{}(name);
  return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
}

// Sorts `items` in place moving each element once. Returns the permutation: order[i] is the
// former index of the element now at i.
template <typename T, typename Less>
std::vector<size_t> apply_order(std::vector<T>& items, Less less) {
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return less(items[a], items[b]); });
  apply_permutation(items, order);
  return order;
}

class Loader {
 public:
  Loader(DbtProjectFile header, const profiles::Target& target, const LoadOptions& options)
      : target_(target), options_(options) {
    PackageState root;
    root.project = std::move(header);
    root.is_root = true;
    packages_.push_back(std::move(root));
  }

  Project run() {
    PackageState& root = packages_[0];
    profiles::JinjaValueContext project_ctx;
    project_ctx.env = options_.env;
    project_ctx.vars = &options_.cli_vars;
    project_ctx.target = &target_;
    project_ctx.redactor = options_.redactor;
    render_dbt_project(root.project, project_ctx, diags_);

    out_.name = root.project.name;
    out_.profile_name = target_.profile_name;
    out_.root_dir = root.project.root;
    out_.target_dir = root.project.root / root.project.target_path;
    out_.target = target_;
    out_.quoting = root.project.quoting;
    namer_.emplace(target_, out_.quoting);

    PhaseTimer clock("load");
    discover_packages(project_ctx);
    compute_vars();
    cache_reading_ = start_partial_parse();
    discover_files();
    clock.lap("discover files");
    read_files();
    clock.lap("read files, analyze Python files, build nodes");
    resolve_nodes();
    clock.lap("resolve the other configs and relations");
    resolve_all();
    clock.lap("order nodes, resolve refs");
    release_scratch();
    clock.lap("release scratch");
    finish();
    clock.lap("DAG and checks");
    return std::move(out_);
  }

 private:
  // ---- packages and vars ----------------------------------------------------------------

  void discover_packages(const profiles::JinjaValueContext& ctx) {
    const PackageState& root = packages_[0];
    fs::path dir = root.project.root / root.project.packages_install_path;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return;
    std::vector<fs::path> roots;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.is_directory(ec) && fs::is_regular_file(entry.path() / "dbt_project.yml", ec))
        roots.push_back(entry.path());
    }
    std::sort(roots.begin(), roots.end());
    std::set<std::string> names{root.project.name};
    for (const auto& r : roots) {
      try {
        PackageState pkg;
        pkg.project = read_dbt_project(r, ctx, packages_[0].project.root);
        render_dbt_project(pkg.project, ctx, diags_, /*lenient=*/true);
        if (!names.insert(pkg.project.name).second) {
          diags_.push_back(make_diag(
              Severity::kWarning, "DBTPY270", pkg.project.file, 0, 0,
              "package '" + pkg.project.name + "' is installed twice; this copy is ignored",
              "run `dbt clean` and `dbt deps`"));
          continue;
        }
        pkg.display_prefix = display_path(r, packages_[0].project.root) + "/";
        packages_.push_back(std::move(pkg));
      } catch (const Error& e) {
        for (const auto& d : e.diagnostics())
          diags_.push_back(d);
        out_.project_errors = true;
      }
    }
    for (const auto& p : packages_)
      out_.packages.push_back({p.project.name, p.project.root, p.is_root});
  }

  // dbt's precedence, lowest first: the package's own vars, the root's global vars, the
  // root's vars scoped to the package, --vars.
  void compute_vars() {
    std::set<std::string> package_names;
    for (const auto& p : packages_)
      package_names.insert(p.project.name);
    auto globals = [&](const Json& vars) {
      Json out = Json::object();
      for (auto it = vars.begin(); it != vars.end(); ++it)
        if (!(package_names.count(it.key()) && it->is_object())) out[it.key()] = *it;
      return out;
    };
    auto overlay = [](Json& into, const Json& from) {
      if (!from.is_object()) return;
      for (auto it = from.begin(); it != from.end(); ++it)
        into[it.key()] = *it;
    };
    const Json& root_vars = packages_[0].project.vars;
    for (auto& p : packages_) {
      Json v = Json::object();
      if (!p.is_root) {
        overlay(v, globals(p.project.vars));
        if (p.project.vars.contains(p.project.name)) overlay(v, p.project.vars[p.project.name]);
      }
      overlay(v, globals(root_vars));
      if (root_vars.contains(p.project.name)) overlay(v, root_vars[p.project.name]);
      overlay(v, options_.cli_vars);
      p.vars = std::move(v);
    }
    for (auto& p : packages_) {
      p.ctx.env = options_.env;
      p.ctx.vars = &p.vars;
      p.ctx.target = &target_;
      p.ctx.redactor = options_.redactor;
    }
  }

  // ---- files ----------------------------------------------------------------------------

  using KindOf = std::optional<FileKind> (*)(std::string_view extension);

  // A file's extension and stem as std::filesystem::path splits a file name: the extension
  // starts at the last '.', unless that is the name's first character.
  static std::pair<std::string_view, std::string_view> split_name(std::string_view name) {
    size_t dot = name.rfind('.');
    if (dot == std::string_view::npos || dot == 0) return {std::string_view(), name};
    return {name.substr(dot), name.substr(0, dot)};
  }

  // `rel` ('/'-separated, no "." or ".." parts) under the folder `norm` (lexically normal),
  // relative to `from` is this prefix + rel, unless `from` lies strictly under `norm` (then
  // the ".." parts depend on rel): nullopt.
  static std::optional<std::string> relative_prefix(const fs::path& norm, const fs::path& from) {
    fs::path back = from.lexically_relative(norm);
    if (!back.empty() && back != "." && *back.begin() != "..") return std::nullopt;
    std::string r = (norm / "x").lexically_relative(from).generic_string();
    if (r == "x") return std::string();
    if (r.size() > 2 && r.ends_with("/x")) return r.substr(0, r.size() - 1);
    return std::nullopt;
  }

  // A resource path (models, seeds, snapshots) of a package, with the path prefixes of its
  // files: paths are strings built from the folder's once (fs::path work per file dominated
  // discovery), as normalizing base/rel is normalizing base, then appending rel.
  struct ResourceFolder {
    size_t pkg = 0;
    KindOf kind_of = nullptr;
    std::string dir;                            // as the project names it, to walk
    std::string abs_prefix;                     // lexically normal, ending in '/'
    std::optional<std::string> rel_prefix;      // relative to the package root
    std::optional<std::string> display_prefix;  // relative to the root project
  };

  // A share of the walk: a resource path's own files, or one of its subfolders.
  struct WalkShare {
    size_t folder = 0;               // index into the resource folders
    std::vector<std::string> names;  // the resource path's own files, or
    std::string sub;                 // a subfolder to walk
    std::vector<SourceFile> found;
  };

  // The file at `rel` (relative to the resource path), when its extension makes it one.
  // Thread-safe: reads the packages only.
  void add_file(const ResourceFolder& r, std::string_view rel, std::vector<SourceFile>& out) const {
    size_t slash = rel.rfind('/');
    std::string_view name = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
    auto [extension, stem] = split_name(name);
    auto kind = r.kind_of(extension);
    if (!kind) return;
    SourceFile f;
    f.kind = *kind;
    f.package = r.pkg;
    f.absolute = r.abs_prefix;
    f.absolute += rel;
    // Lexical, not fs::relative: resolving symlinks costs a readlink per path component
    // per file, which dominated discovery on 10,000 files.
    if (r.rel_prefix) {
      f.rel = *r.rel_prefix;
      f.rel += rel;
    } else {
      f.rel =
          fs::path(f.absolute).lexically_relative(packages_[r.pkg].project.root).generic_string();
    }
    if (r.display_prefix) {
      f.display = *r.display_prefix;
      f.display += rel;
    } else {
      f.display =
          fs::path(f.absolute).lexically_relative(packages_[0].project.root).generic_string();
    }
    for (size_t at = 0; slash != std::string_view::npos && at < slash;) {
      size_t next = rel.find('/', at);
      f.dirs.emplace_back(rel.substr(at, next - at));
      at = next + 1;
    }
    f.stem = std::string(stem);
    out.push_back(std::move(f));
  }

  void add_resource_folders(size_t pkg, const std::vector<std::string>& paths, KindOf kind_of,
                            std::vector<ResourceFolder>& out) const {
    const PackageState& p = packages_[pkg];
    for (const auto& base_name : paths) {
      fs::path base = p.project.root / base_name;
      std::error_code ec;
      if (!fs::is_directory(base, ec)) continue;
      const fs::path norm = base.lexically_normal();
      ResourceFolder r;
      r.pkg = pkg;
      r.kind_of = kind_of;
      r.dir = base.string();
      r.abs_prefix = norm.string();
      if (r.abs_prefix.empty() || r.abs_prefix.back() != '/') r.abs_prefix += '/';
      r.rel_prefix = relative_prefix(norm, p.project.root);
      r.display_prefix = relative_prefix(norm, packages_[0].project.root);
      out.push_back(std::move(r));
    }
  }

  // Every model, seed, snapshot and properties file of every package. Subfolders are walked
  // in parallel; files join in folder order, and a file under two resource paths (one inside
  // the other) loads once, for the first.
  void discover_files() {
    std::vector<ResourceFolder> folders;
    for (size_t pkg = 0; pkg < packages_.size(); ++pkg) {
      const DbtProjectFile& p = packages_[pkg].project;
      add_resource_folders(
          pkg, p.model_paths,
          [](std::string_view e) -> std::optional<FileKind> {
            if (e == ".py") return FileKind::kPython;
            if (e == ".sql") return FileKind::kSqlModel;
            if (e == ".yml" || e == ".yaml") return FileKind::kProperties;
            return std::nullopt;
          },
          folders);
      add_resource_folders(
          pkg, p.seed_paths,
          [](std::string_view e) -> std::optional<FileKind> {
            if (e == ".csv") return FileKind::kSeed;
            if (e == ".yml" || e == ".yaml") return FileKind::kProperties;
            return std::nullopt;
          },
          folders);
      add_resource_folders(
          pkg, p.snapshot_paths,
          [](std::string_view e) -> std::optional<FileKind> {
            if (e == ".sql") return FileKind::kSnapshot;
            if (e == ".yml" || e == ".yaml") return FileKind::kProperties;
            return std::nullopt;
          },
          folders);
    }
    std::vector<WalkShare> shares;
    for (size_t i = 0; i < folders.size(); ++i) {
      FolderListing listing = list_folder(folders[i].dir);
      WalkShare own;
      own.folder = i;
      own.names = std::move(listing.files);
      shares.push_back(std::move(own));
      for (auto& sub : listing.folders) {
        WalkShare share;
        share.folder = i;
        share.sub = std::move(sub);
        shares.push_back(std::move(share));
      }
    }
    parallel_for(shares.size(), threads(), [&](size_t s, size_t) {
      WalkShare& share = shares[s];
      const ResourceFolder& r = folders[share.folder];
      if (share.sub.empty()) {
        for (const auto& name : share.names)
          add_file(r, name, share.found);
        return;
      }
      std::string rel = share.sub + "/";
      for_each_file_under(r.dir + "/" + share.sub, [&](std::string_view under) {
        rel.resize(share.sub.size() + 1);
        rel += under;
        add_file(r, rel, share.found);
      });
    });
    // Files repeat only when one resource path lies inside another (or is named twice).
    bool nested = false;
    for (const auto& a : folders)
      for (const auto& b : folders)
        if (&a != &b && b.abs_prefix.starts_with(a.abs_prefix)) nested = true;
    std::unordered_set<std::string_view> seen;
    size_t total = 0;
    for (const auto& share : shares)
      total += share.found.size();
    files_.reserve(total);
    for (auto& share : shares) {
      for (auto& f : share.found) {
        files_.push_back(std::move(f));  // reserved: never moves, so views of it stay valid
        if (nested && !seen.insert(files_.back().absolute).second) files_.pop_back();
      }
    }
  }

  // Phase 1, in parallel: every file is read once. SQL and properties files come first (node
  // building needs them); Python files are hashed and analyzed in the same pass, as nothing
  // in that depends on properties files. The worker that finishes the last SQL or properties
  // file builds the nodes (build_nodes) while the other workers go on analyzing; from then on
  // a Python file's config and relation are resolved as soon as it is analyzed. A Python
  // file's analysis goes straight into its ModelIR (slot: its ordinal among the Python
  // files, which is its node's ir_slot: each Python file makes exactly one node); only files
  // analyzed before the nodes were built keep their config calls and diagnostics for
  // resolve_nodes (keeping those of all 10,000 files cost ~2 MB of peak memory).
  void read_files() {
    // Deterministic order whatever the file system returns (each file moved once).
    apply_order(files_, [](const SourceFile& a, const SourceFile& b) {
      return a.package != b.package ? a.package < b.package : a.rel < b.rel;
    });
    std::vector<size_t> work;
    for (size_t i = 0; i < files_.size(); ++i) {
      SourceFile& f = files_[i];
      switch (f.kind) {
        case FileKind::kSqlModel:
        case FileKind::kSnapshot:
          f.result = sql_.size();
          sql_.emplace_back();
          work.push_back(i);
          break;
        case FileKind::kProperties:
          f.result = yaml_.size();
          yaml_.emplace_back();
          work.push_back(i);
          break;
        case FileKind::kPython:
          f.result = python_.size();
          python_.emplace_back();
          break;
        case FileKind::kSeed:
          break;
      }
    }
    const size_t before_nodes = work.size();  // SQL and properties files
    for (size_t i = 0; i < files_.size(); ++i)
      if (files_[i].kind == FileKind::kPython) work.push_back(i);
    out_.python_models.resize(python_.size());
    const size_t workers = static_cast<size_t>(std::max(threads(), 1));
    findings_.resize(workers);
    std::atomic<size_t> unread{before_nodes};
    std::atomic<bool> nodes_built{false};
    if (before_nodes == 0) {
      build_nodes(threads());
      nodes_built = true;
    }
    const AnalyzeFn analyze =
        options_.analyze ? options_.analyze : AnalyzeFn(&python::analyze_without_calls);
    match_partial_parse(cache_reading_, workers);
    std::vector<FileReader> readers(workers);
    parallel_for(work.size(), threads(), [&](size_t w, size_t worker) {
      SourceFile& f = files_[work[w]];
      FileReader& reader = readers[worker];
      if (f.kind == FileKind::kPython) {
        const size_t k = f.result;
        analyze_python(f, reader, analyze, worker);
        if (nodes_built.load(std::memory_order_acquire)) {
          Pending& p = pending_[python_pending_[k]];
          resolve_pending(p, &out_.python_models[k], findings_[worker]);
          p.resolved = true;
        }
        return;
      }
      read_sql_or_yaml(f, reader);
      // The last of them: its writes and every other worker's are visible here (acq_rel).
      if (unread.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        // The other workers are busy analyzing: node strings are filled on this thread.
        build_nodes(python_.empty() ? threads() : 1);
        nodes_built.store(true, std::memory_order_release);
      }
    });
    store_partial_parse();
  }

  // ---- partial parsing ------------------------------------------------------------------

  // dbt's order: the CLI's flag or $DBT_PARTIAL_PARSE (LoadOptions::partial_parse), then
  // `flags: {partial_parse: ...}` in the root dbt_project.yml, then on.
  bool partial_parse_enabled() const {
    return options_.partial_parse.value_or(packages_[0].project.partial_parse.value_or(true));
  }

  // Before files are discovered: decides whether the stored analyses are read and the new ones
  // written, and starts reading them on a thread of their own (they are needed only once the
  // files are known). Joined by match_partial_parse; touches nothing but pp_ until then.
  std::jthread start_partial_parse() {
    if (options_.analyze) return {};  // a test's analyzer: neither reuse nor store its results
    const bool enabled = partial_parse_enabled();
    pp_.identity = running_analyzer_identity();
    if (!pp_.identity) {
      pp_.why = "off (the binary holding the analyzer has no GNU build-id)";
      return {};
    }
    pp_.path = partial_parse_path(out_.target_dir).string();
    pp_.write = true;
    if (!enabled) {
      pp_.why =
          "off (--no-partial-parse, DBT_PARTIAL_PARSE=false or `flags: {partial_parse: "
          "false}`): every Python file is analyzed";
      return {};
    }
    pp_.from = options_.partial_parse_file ? options_.partial_parse_file->string() : pp_.path;
    pp_.elsewhere = pp_.from != pp_.path;
    return std::jthread([this] {
      const auto start = std::chrono::steady_clock::now();
      std::string why;
      bool exists = false;
      try {
        pp_.read = pp_.cache.load_file(pp_.from, *pp_.identity, &why, &exists);
      } catch (const std::exception& e) {  // out of memory: the load goes on without it
        why = e.what();
      }
      if (!pp_.read) {
        pp_.why = exists ? pp_.from + " ignored: " + why : "no stored analyses (" + why + ")";
        pp_.rejected = exists;
      }
      pp_.read_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    });
  }

  // Before the workers start: finds each Python file's stored entry (the table the workers
  // then only read) and makes room for the new entries.
  void match_partial_parse(std::jthread& reading, size_t workers) {
    if (reading.joinable()) reading.join();
    if (!pp_.why.empty()) spdlog::debug("partial parse: {}", pp_.why);
    if (!pp_.write) return;
    pp_.fresh.resize(python_.size());
    pp_.arenas.resize(workers);
    if (!pp_.read) return;
    pp_.entry.assign(python_.size(), -1);
    pp_.reused.assign(python_.size(), 0);
    pp_.unread.assign(python_.size(), 0);
    for (const SourceFile& f : files_) {
      if (f.kind != FileKind::kPython) continue;
      if (auto e = pp_.cache.find(f.display)) pp_.entry[f.result] = static_cast<int32_t>(*e);
    }
    pp_.cache.drop_index();  // `entry` says it all now
  }

  // Worker side, Python file `f`: its stored analysis and checksum when its stamp is the one
  // stored and trusted, without reading it. Thread-safe for distinct files.
  bool reuse_unread(const SourceFile& f, FileReader& reader, python::PythonAnalysis* out,
                    std::string* checksum) {
    const size_t k = f.result;
    if (!pp_.read || pp_.entry[k] < 0) return false;
    const auto e = static_cast<size_t>(pp_.entry[k]);
    FileStamp now;
    if (!pp_.cache.trusted(e) || !reader.stamp(f.absolute, &now) || now != pp_.cache.stamp(e) ||
        !pp_.cache.decode(e, out)) {
      return false;
    }
    *checksum = pp_.cache.sha256_hex(e);
    pp_.reused[k] = 1;
    pp_.unread[k] = 1;
    return true;
  }

  // Worker side, file `k` just read: its stored analysis when the file's bytes are those it was
  // made from. A stamp that is new, or was not trusted, is stored with it (the entry is
  // rewritten). Thread-safe for distinct files.
  bool reuse_analysis(size_t k, std::string_view checksum, const FileStamp& stamp, size_t worker,
                      python::PythonAnalysis* out) {
    if (!pp_.read || pp_.entry[k] < 0) return false;
    const auto e = static_cast<size_t>(pp_.entry[k]);
    if (!pp_.cache.same_content(e, checksum) || !pp_.cache.decode(e, out)) return false;
    pp_.reused[k] = 1;
    if (stamp != pp_.cache.stamp(e) || !pp_.cache.trusted(e))
      pp_.fresh[k] = pp_.arenas[worker].add_restamped(pp_.cache, e, stamp);
    return true;
  }

  // After the workers: writes the analyses of this load's Python files when they differ from
  // what was stored (a file analyzed anew, an entry without its file). Never fails the load.
  void store_partial_parse() {
    if (!pp_.write) return;
    const auto start = std::chrono::steady_clock::now();
    size_t reused = 0, unread = 0, restamped = 0, analyzed = 0;
    std::vector<std::string_view> entries;
    entries.reserve(python_.size());
    for (size_t k = 0; k < python_.size(); ++k) {
      if (pp_.read && pp_.reused[k]) {
        ++reused;
        unread += pp_.unread[k] ? 1 : 0;
        if (!pp_.fresh[k].empty()) {
          ++restamped;
          entries.push_back(pp_.fresh[k]);
        } else {
          entries.push_back(pp_.cache.entry_bytes(static_cast<size_t>(pp_.entry[k])));
        }
      } else if (!pp_.fresh[k].empty()) {
        ++analyzed;
        entries.push_back(pp_.fresh[k]);
      }
    }
    const bool changed = analyzed > 0 || restamped > 0 || reused != pp_.cache.size() ||
                         pp_.rejected || !pp_.read || pp_.elsewhere;
    std::string outcome = "unchanged, not written";
    if (changed) {
      try {
        write_cache_file(pp_.path, *pp_.identity, entries);
        size_t bytes = 0;
        for (const auto& e : entries)
          bytes += e.size();
        outcome = fmt::format("written ({} entries, {} KB)", entries.size(), bytes / 1024);
      } catch (const std::exception& e) {
        outcome = std::string("not written: ") + e.what();
      }
    }
    spdlog::debug(
        "partial parse: {} of {} Python files' analyses reused ({} files unchanged since stored, "
        "not read), {} analyzed; stored analyses read in {:.3f}s (beside file discovery), {} in "
        "{:.3f}s",
        reused, python_.size(), unread, python_.size() - reused, pp_.read_seconds, outcome,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    // The stored bytes and new entries are not needed any more. Moved out and destroyed, not
    // assigned over: libstdc++'s move assignment from an empty (short) string keeps the target's
    // buffer, which kept the 3.3 MB of stored analyses alive to the end (+3 MB peak RSS, 10k).
    (void)std::exchange(pp_, PartialParse{});
  }

  // What node building needs before configs can be resolved (on one thread; Python workers
  // wait for it only to resolve, not to analyze).
  void build_nodes(int string_threads) {
    build_file_nodes(string_threads);
    apply_properties();
    prepare_folders();
    python_pending_.assign(python_.size(), 0);
    for (size_t i = 0; i < pending_.size(); ++i) {
      Pending& p = pending_[i];
      if (p.node->language != Language::kPython) continue;
      p.ir_slot = static_cast<int>(files_[static_cast<size_t>(p.file)].result);
      python_pending_[static_cast<size_t>(p.ir_slot)] = i;
    }
  }

  // Thread-safe for distinct files: writes the file's result only.
  void read_sql_or_yaml(const SourceFile& f, FileReader& reader) {
    if (f.kind == FileKind::kProperties) {
      YamlResult& r = yaml_[f.result];
      std::string error;
      if (!reader.read(f.absolute, &error)) {
        r.diagnostics.push_back(make_diag(Severity::kError, "DBTPY201", f.display, 0, 0, error,
                                          "check the file's permissions"));
        return;
      }
      r.props = parse_properties_text(reader.data(), f.display, packages_[f.package].ctx,
                                      r.diagnostics, /*lenient=*/f.package != 0);
      return;
    }
    SqlResult& r = sql_[f.result];
    if (!reader.read(f.absolute, &r.read_error)) return;
    r.scan = scan_sql(reader.data(), f.kind == FileKind::kSnapshot, &packages_[f.package].ctx);
  }

  // Thread-safe for distinct files: writes the file's entry, its PythonResult and ModelIR.
  void analyze_python(SourceFile& f, FileReader& reader, const AnalyzeFn& analyze, size_t worker) {
    PythonResult& r = python_[f.result];
    ModelIR& ir = out_.python_models[f.result];
    python::PythonAnalysis analysis;
    if (!reuse_unread(f, reader, &analysis, &ir.checksum)) {
      FileStamp stamp;
      if (!reader.read(f.absolute, &r.read_error, pp_.write ? &stamp : nullptr)) return;
      ir.checksum = sha256_hex(reader.data());
      if (!reuse_analysis(f.result, ir.checksum, stamp, worker, &analysis)) {
        analysis = analyze(reader.data(), f.display);
        if (pp_.write)
          pp_.fresh[f.result] = pp_.arenas[worker].add(f.display, ir.checksum, stamp, analysis);
      }
    }
    r.has_errors = has_errors(analysis.diagnostics);
    r.diagnostics = std::move(analysis.diagnostics);
    r.config_calls = exact(std::move(analysis.config_calls));
    // The file's path is read for the last time above (release_resolved_inputs frees it).
    ir.absolute_path = std::move(f.absolute);
    ir.model_def_line = analysis.model_def_line;
    // The analysis grows these by doubling; 10,000 models kept ~2 MB of that slack alive.
    ir.refs = exact(std::move(analysis.refs));
    ir.sources = exact(std::move(analysis.sources));
    ir.config_keys_used = exact(std::move(analysis.config_keys_used));
    ir.meta_keys_used = exact(std::move(analysis.meta_keys_used));
    ir.imports = exact(std::move(analysis.imports));
  }

  int threads() const { return options_.threads > 0 ? options_.threads : default_thread_count(); }

  // ---- nodes ----------------------------------------------------------------------------

  // A new node for `p` (about to be appended to pending_) at the end of Project::nodes. Keeps
  // pending_[i].node == &out_.nodes[i]: re-pointed if the vector moved.
  Node& add_node(Pending& p) {
    const Node* before = out_.nodes.data();
    out_.nodes.emplace_back();
    if (out_.nodes.data() != before)
      for (size_t i = 0; i < pending_.size(); ++i)
        pending_[i].node = &out_.nodes[i];
    p.node = &out_.nodes.back();
    return *p.node;
  }

  std::vector<std::string> fqn_for(const SourceFile& f, const std::string& leaf) const {
    std::vector<std::string> fqn;
    fqn.reserve(f.dirs.size() + 2);  // one block, no slack: 11,000 nodes keep theirs
    fqn.push_back(packages_[f.package].project.name);
    fqn.insert(fqn.end(), f.dirs.begin(), f.dirs.end());
    fqn.push_back(leaf);
    return fqn;
  }

  void build_file_nodes(int string_threads) {
    // Exact capacity: Pending is large, and a doubled vector of 10,000 of them kept ~3 MB of
    // slack alive until the end of loading.
    size_t count = 0;
    for (const auto& f : files_) {
      if (f.kind == FileKind::kSnapshot) {
        count += sql_[f.result].scan.blocks.size();
      } else if (f.kind != FileKind::kProperties) {
        ++count;
      }
    }
    // YAML snapshots and sources join the nodes later; room for them now keeps the node
    // vector from moving (and existing twice) when they do.
    size_t later = 0;
    for (const auto& y : yaml_) {
      later += y.props.snapshots.size();
      for (const auto& src : y.props.sources)
        later += src.tables.size();
    }
    pending_.reserve(count + later);
    out_.nodes.reserve(count + later);
    for (size_t i = 0; i < files_.size(); ++i) {
      const SourceFile& f = files_[i];
      switch (f.kind) {
        case FileKind::kPython:
        case FileKind::kSqlModel:
        case FileKind::kSeed: {
          if (f.kind == FileKind::kSqlModel && !sql_[f.result].read_error.empty()) {
            file_error(f, sql_[f.result].read_error);
            continue;
          }
          if (f.kind == FileKind::kSqlModel) static_config_warnings(f, sql_[f.result].scan);
          Pending p;
          p.file = static_cast<int>(i);
          Node& n = add_node(p);
          n.kind = f.kind == FileKind::kSeed ? NodeKind::kSeed : NodeKind::kModel;
          n.language = f.kind == FileKind::kPython ? Language::kPython
                       : f.kind == FileKind::kSeed ? Language::kNone
                                                   : Language::kSql;
          // A Python node's config lives in its ModelIR (Project::config_of): a null Json
          // holds no allocation, where the default empty object costs 64 bytes a node.
          if (n.language == Language::kPython) n.config.values = Json();
          // Names and paths are filled in parallel below.
          by_stem_[{f.package, f.stem, n.kind == NodeKind::kSeed}] = pending_.size();
          pending_.push_back(std::move(p));
          break;
        }
        case FileKind::kSnapshot: {
          const SqlResult& r = sql_[f.result];
          if (!r.read_error.empty()) {
            file_error(f, r.read_error);
            continue;
          }
          if (!r.scan.error.empty()) {
            project_error(make_diag(Severity::kError, "DBTPY226", f.display, r.scan.error_line, 0,
                                    r.scan.error, "close the Jinja block"));
          }
          static_config_warnings(f, r.scan);
          for (size_t b = 0; b < r.scan.blocks.size(); ++b) {
            const SqlBlock& block = r.scan.blocks[b];
            if (block.name.empty()) {
              project_error(make_diag(Severity::kError, "DBTPY226", f.display, block.line, 0,
                                      "a `{% snapshot %}` block has no name",
                                      "write `{% snapshot my_snapshot %}`"));
              continue;
            }
            Pending p;
            p.file = static_cast<int>(i);
            p.block = static_cast<int>(b);
            Node& n = add_node(p);
            n.kind = NodeKind::kSnapshot;
            n.language = Language::kSql;
            n.name = block.name;
            n.package_name = packages_[f.package].project.name;
            std::vector<std::string> fqn = fqn_for(f, f.stem);
            fqn.push_back(block.name);
            n.fqn = std::move(fqn);
            n.original_file_path = f.rel;
            snapshot_by_name_[{f.package, block.name}] = pending_.size();
            pending_.push_back(std::move(p));
          }
          break;
        }
        case FileKind::kProperties:
          break;
      }
      if (f.kind == FileKind::kSqlModel && !sql_[f.result].scan.error.empty()) {
        project_error(make_diag(Severity::kError, "DBTPY226", f.display,
                                sql_[f.result].scan.error_line, 0, sql_[f.result].scan.error,
                                "close the Jinja block"));
      }
    }
    // Each model and seed node's strings, copied from its file (10,000 nodes' worth of small
    // allocations): in parallel, each node written by one worker.
    constexpr size_t kChunk = 256;
    parallel_for((pending_.size() + kChunk - 1) / kChunk, string_threads, [&](size_t c, size_t) {
      for (size_t i = c * kChunk; i < std::min(pending_.size(), (c + 1) * kChunk); ++i) {
        const Pending& p = pending_[i];
        if (p.block >= 0) continue;  // snapshot blocks are named above
        const SourceFile& f = files_[static_cast<size_t>(p.file)];
        Node& n = *p.node;
        n.name = f.stem;
        n.package_name = packages_[f.package].project.name;
        n.fqn = fqn_for(f, f.stem);
        n.original_file_path = f.rel;
      }
    });
  }

  // Looked up once (a stat per SQL file added up on large projects).
  bool dbt_manifest_available() {
    if (!manifest_available_) {
      std::error_code ec;
      manifest_available_ =
          options_.dbt_manifest || fs::is_regular_file(out_.target_dir / "manifest.json", ec);
    }
    return *manifest_available_;
  }

  // SQL configs dbtpy cannot read statically matter only where they change what a Python
  // model sees: its parents' relation names, whether they exist, how they are materialized.
  void static_config_warnings(const SourceFile& f, const SqlScan& scan) {
    if (f.package != 0) return;
    static const std::set<std::string> kNaming = {"alias",          "schema",       "database",
                                                  "enabled",        "materialized", "target_schema",
                                                  "target_database"};
    const bool manifest = dbt_manifest_available();
    for (const auto& block : scan.blocks) {
      for (const auto& [key, line] : block.dynamic_config_keys) {
        if (!kNaming.count(key) || manifest) continue;
        warning(make_diag(Severity::kWarning, "DBTPY244", f.display, line, 0,
                          "config `" + key +
                              "` is computed by Jinja dbtpy does not run; the "
                              "node's relation name may differ from dbt's",
                          "run `dbt parse` so dbtpy reads names from target/manifest.json, or "
                          "use a literal value"));
      }
      for (const auto& [key, line] : block.conditional_config_keys) {
        if (!kNaming.count(key) || manifest) continue;
        warning(make_diag(Severity::kWarning, "DBTPY244", f.display, line, 0,
                          "config `" + key +
                              "` is set inside {% if %}/{% for %}; dbtpy takes it "
                              "unconditionally",
                          "run `dbt parse` so dbtpy reads names from target/manifest.json"));
      }
    }
  }

  void file_error(const SourceFile& f, const std::string& error) {
    model_error(make_diag(Severity::kError, "DBTPY201", f.display, 0, 0, error,
                          "check the file's permissions"));
  }

  void project_error(Diagnostic d) {
    out_.project_errors = true;
    diags_.push_back(std::move(d));
  }
  void model_error(Diagnostic d) {
    out_.model_errors = true;
    diags_.push_back(std::move(d));
  }
  void warning(Diagnostic d) {
    d.severity = Severity::kWarning;
    diags_.push_back(std::move(d));
  }

  // ---- properties -----------------------------------------------------------------------

  static std::string latest_of(const NodeEntry& e) {
    if (e.latest_version) return *e.latest_version;
    std::string best;
    for (const auto& v : e.versions) {
      if (best.empty()) {
        best = v.v;
        continue;
      }
      char* ea = nullptr;
      char* eb = nullptr;
      double a = std::strtod(v.v.c_str(), &ea);
      double b = std::strtod(best.c_str(), &eb);
      bool numeric = ea && *ea == '\0' && eb && *eb == '\0';
      if (numeric ? a > b : v.v > best) best = v.v;
    }
    return best;
  }

  void patch_once(Pending& p, const NodeEntry& e, const char* what) {
    if (p.patched_by) {
      project_error(
          make_diag(Severity::kError, "DBTPY223", e.file, e.line, e.column,
                    std::string(what) + " '" + e.name + "' is described twice (also at " +
                        p.patched_by->file + ":" + std::to_string(p.patched_by->line) + ")",
                    "keep one entry per " + std::string(what) + " across all properties files"));
      return;
    }
    p.patched_by = &e;
    p.node->patch_path = e.file;
    p.node->description = e.description;
    p.properties_layers.push_back(&e.config);
  }

  void missing_entry(const NodeEntry& e, const char* what, const std::vector<std::string>& names,
                     const std::string& expected) {
    auto close = closest_names(e.name, names);
    project_error(make_diag(
        Severity::kError, "DBTPY221", e.file, e.line, e.column,
        "properties for " + std::string(what) + " '" + e.name + "', but no such " + what +
            " exists" + expected,
        close.empty() ? "fix the name or remove the entry"
                      : "did you mean '" + close.front() + "'? fix the name or remove the entry"));
  }

  // The names of file nodes of `kind` in package `pkg` as files named them (before versions
  // renamed any), in node order: for "did you mean" only, so collected on the first miss.
  const std::vector<std::string>& file_node_names(NodeKind kind, size_t pkg) {
    if (!file_node_names_built_) {
      file_node_names_built_ = true;
      for (size_t i = 0; i < file_node_count_; ++i) {
        const Pending& p = pending_[i];
        const SourceFile& f = files_[static_cast<size_t>(p.file)];
        file_node_names_[{p.node->kind, f.package}].push_back(
            p.block >= 0 ? sql_[f.result].scan.blocks[static_cast<size_t>(p.block)].name : f.stem);
      }
    }
    return file_node_names_[{kind, pkg}];
  }

  void apply_properties() {
    file_node_count_ = pending_.size();
    for (size_t i = 0; i < files_.size(); ++i) {
      const SourceFile& f = files_[i];
      if (f.kind != FileKind::kProperties) continue;
      YamlResult& r = yaml_[f.result];
      for (auto& d : r.diagnostics) {
        if (d.severity == Severity::kError) out_.project_errors = true;
        diags_.push_back(d);
      }
      for (const auto& e : r.props.models)
        patch_model(f, e);
      for (const auto& e : r.props.seeds) {
        auto it = by_stem_.find({f.package, e.name, true});
        if (it == by_stem_.end()) {
          missing_entry(e, "seed", file_node_names(NodeKind::kSeed, f.package), "");
          continue;
        }
        patch_once(pending_[it->second], e, "seed");
      }
      for (const auto& e : r.props.snapshots) {
        auto it = snapshot_by_name_.find({f.package, e.name});
        if (it != snapshot_by_name_.end()) {
          patch_once(pending_[it->second], e, "snapshot");
          continue;
        }
        if (e.relation_ref_name || e.relation_source) {
          Pending p;
          p.yaml_snapshot = true;
          p.yaml_snapshot_entry = &e;
          Node& n = add_node(p);
          n.kind = NodeKind::kSnapshot;
          n.language = Language::kSql;
          n.name = e.name;
          n.package_name = packages_[f.package].project.name;
          n.fqn = fqn_for(f, e.name);
          n.original_file_path = f.rel;
          n.patch_path = e.file;
          n.description = e.description;
          p.properties_layers.push_back(&e.config);
          snapshot_by_name_[{f.package, e.name}] = pending_.size();
          pending_.push_back(std::move(p));
          continue;
        }
        missing_entry(e, "snapshot", file_node_names(NodeKind::kSnapshot, f.package), "");
      }
      for (const auto& s : r.props.sources)
        add_source(f, s);
    }
  }

  void patch_model(const SourceFile& f, const NodeEntry& e) {
    if (e.versions.empty()) {
      auto it = by_stem_.find({f.package, e.name, false});
      if (it == by_stem_.end()) {
        missing_entry(e, "model", file_node_names(NodeKind::kModel, f.package), "");
        return;
      }
      patch_once(pending_[it->second], e, "model");
      return;
    }
    const std::string latest = latest_of(e);
    bool latest_declared = false;
    for (const auto& v : e.versions)
      if (v.v == latest) latest_declared = true;
    if (!latest_declared) {
      project_error(make_diag(
          Severity::kError, "DBTPY227", e.file, e.line, e.column,
          "latest_version " + latest + " of model '" + e.name + "' is not one of its versions",
          "add `- v: " + latest + "` under `versions:` or fix latest_version"));
    }
    for (const auto& v : e.versions) {
      std::string stem = v.defined_in.value_or(e.name + "_v" + v.v);
      auto it = by_stem_.find({f.package, stem, false});
      if (it == by_stem_.end() && v.v == latest && !v.defined_in)
        it = by_stem_.find({f.package, e.name, false});
      if (it == by_stem_.end()) {
        project_error(
            make_diag(Severity::kError, "DBTPY221", e.file, v.line, 0,
                      "version " + v.v + " of model '" + e.name + "' has no file (" + stem +
                          ".sql or " + stem + ".py)",
                      "create the file, or set `defined_in:` to the file that defines it"));
        continue;
      }
      Pending& p = pending_[it->second];
      if (p.node->version) {
        project_error(make_diag(Severity::kError, "DBTPY223", e.file, v.line, 0,
                                "file " + p.node->original_file_path +
                                    " defines two versions of model '" + e.name + "'",
                                "give each version its own file"));
        continue;
      }
      p.node->name = e.name;
      p.node->version = v.v;
      p.node->is_latest_version = v.v == latest;
      p.node->fqn.back() = e.name;
      p.node->fqn.push_back("v" + v.v);
      p.node->patch_path = e.file;
      p.node->description = e.description;
      p.patched_by = &e;
      p.properties_layers.push_back(&e.config);
      p.properties_layers.push_back(&v.config);
    }
  }

  void add_source(const SourceFile& f, const SourceEntry& s) {
    const PackageState& pkg = packages_[f.package];
    for (const auto& t : s.tables) {
      std::string uid = "source." + pkg.project.name + "." + s.name + "." + t.name;
      if (!source_ids_.insert(uid).second) {
        project_error(make_diag(Severity::kError, "DBTPY224", s.file, t.line, 0,
                                "source table '" + s.name + "." + t.name + "' is declared twice",
                                "declare each source table once"));
        continue;
      }
      Node n;
      n.kind = NodeKind::kSource;
      n.language = Language::kNone;
      n.unique_id = uid;
      n.name = t.name;
      n.source_name = s.name;
      n.package_name = pkg.project.name;
      n.fqn = fqn_for(f, s.name);
      n.fqn.push_back(t.name);
      n.original_file_path = f.rel;
      n.patch_path = f.rel;
      n.description = t.description;
      ResolvedConfig cfg;
      for (const auto& layer :
           project_config_layers(pkg.project.sources, n.fqn, &visited(f.package, "sources")))
        merge_config_layer(cfg, layer, ConfigLayer::kProject);
      merge_config_layer(cfg, s.config, ConfigLayer::kProperties);
      merge_config_layer(cfg, t.config, ConfigLayer::kProperties);
      if (!pkg.is_root) {
        for (const auto& layer :
             project_config_layers(packages_[0].project.sources, n.fqn, &visited(0, "sources")))
          merge_config_layer(cfg, layer, ConfigLayer::kProject);
      }
      if (auto en = cfg.values.find("enabled"); en != cfg.values.end() && *en == false) {
        disabled_.push_back({NodeKind::kSource, n.package_name, n.name, n.source_name});
        continue;
      }
      Relation& r = n.relation;
      r.database = s.database.value_or(target_.default_database());
      r.schema = s.schema.value_or(s.name);
      r.identifier = t.identifier;
      render_into(r, target_.platform,
                  quote_policy(target_.platform, out_.quoting, s.quoting, t.quoting));
      n.config = std::move(cfg);
      sources_.push_back(std::move(n));
    }
  }

  std::set<std::string>& visited(size_t pkg, const std::string& tree) {
    return visited_[{pkg, tree}];
  }

  size_t package_index(const std::string& name) const {
    for (size_t i = 0; i < packages_.size(); ++i)
      if (packages_[i].project.name == name) return i;
    return 0;
  }

  // ---- config, naming, refs ----------------------------------------------------------------

  const Json& tree_for(const PackageState& p, NodeKind kind) const {
    return kind == NodeKind::kSeed       ? p.project.seeds
           : kind == NodeKind::kSnapshot ? p.project.snapshots
                                         : p.project.models;
  }
  static const char* tree_name(NodeKind kind) {
    return kind == NodeKind::kSeed ? "seeds" : kind == NodeKind::kSnapshot ? "snapshots" : "models";
  }

  // dbt_project.yml's layers along `fqn`: every node of a folder shares the folder's layers,
  // so they are merged once per folder (here, sequentially) and reused by the parallel phase;
  // only a block named after the node itself (rare) is merged per node. Records the visited
  // config paths for the unused-paths warning.
  // The last folder prepare_folder found for one caller: nodes come in file order, so
  // consecutive nodes mostly share their folder and skip the key building and map lookup.
  struct LastFolder {
    const Json* tree = nullptr;
    const std::vector<std::string>* fqn = nullptr;
    FolderConfig* folder = nullptr;
  };

  static bool same_folder(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end() - 1, b.begin());
  }

  const FolderConfig* prepare_folder(const Json& tree, const std::vector<std::string>& fqn,
                                     std::set<std::string>& visited, LastFolder& last) {
    if (fqn.empty()) return nullptr;
    if (last.folder && last.tree == &tree && same_folder(*last.fqn, fqn)) {
      last.fqn = &fqn;
      visit_leaf(*last.folder, fqn, visited);
      return last.folder;
    }
    std::string key;
    for (size_t i = 0; i + 1 < fqn.size(); ++i) {
      key += fqn[i];
      key += '\x1f';
    }
    FolderConfig& folder = folder_cache_[{&tree, key}];
    if (!folder.computed) {
      folder.computed = true;
      std::vector<std::string> prefix(fqn.begin(), fqn.end() - 1);
      std::vector<Json> layers = project_config_layers(tree, prefix, &visited);
      for (const auto& layer : layers)
        merge_config_layer(folder.config, layer, ConfigLayer::kProject);
      folder.packed = folder.config;
      // The level reached, when the walk got through the whole prefix.
      if (layers.size() == prefix.size() + 1) {
        const Json* level = &tree;
        for (const auto& part : prefix)
          level = &(*level)[part];
        folder.level = level;
        folder.path = join(prefix, ".");
      }
    }
    last = {&tree, &fqn, &folder};
    visit_leaf(folder, fqn, visited);
    return &folder;
  }

  // Records a block named after the node itself as a used config path.
  static void visit_leaf(const FolderConfig& folder, const std::vector<std::string>& fqn,
                         std::set<std::string>& visited) {
    if (folder.level && folder.level->is_object()) {
      auto leaf = folder.level->find(fqn.back());
      if (leaf != folder.level->end() && leaf->is_object())
        visited.insert(folder.path.empty() ? fqn.back() : folder.path + "." + fqn.back());
    }
  }

  static void apply_folder(ResolvedConfig& cfg, const FolderConfig* folder,
                           const std::string& leaf_name) {
    if (!folder) return;
    if (cfg.values.empty()) {
      cfg = folder->config;
    } else {
      merge_config_layer(cfg, folder->config.values, ConfigLayer::kProject);
    }
    if (folder->level && folder->level->is_object()) {
      auto leaf = folder->level->find(leaf_name);
      if (leaf != folder->level->end() && leaf->is_object())
        merge_config_layer(cfg, level_configs(*leaf), ConfigLayer::kProject);
    }
  }

  // apply_folder on the packed form. False: the ResolvedConfig path is needed.
  static bool apply_folder_packed(PackedConfigBuilder& b, const FolderConfig* folder,
                                  const std::string& leaf_name) {
    if (!folder) return true;
    if (b.empty()) {
      if (!b.load(folder->packed)) return false;
    } else if (!b.merge(folder->config.values, ConfigLayer::kProject)) {
      return false;
    }
    if (folder->level && folder->level->is_object()) {
      auto leaf = folder->level->find(leaf_name);
      if (leaf != folder->level->end() && leaf->is_object())
        return b.merge(level_configs(*leaf), ConfigLayer::kProject);
    }
    return true;
  }

  void prepare_folders() {
    LastFolder own, root;
    for (auto& p : pending_) {
      const Node& n = *p.node;
      size_t pkg = package_index(n.package_name);
      p.own_folder = prepare_folder(tree_for(packages_[pkg], n.kind), n.fqn,
                                    visited(pkg, tree_name(n.kind)), own);
      if (pkg != 0)
        p.root_folder = prepare_folder(tree_for(packages_[0], n.kind), n.fqn,
                                       visited(0, tree_name(n.kind)), root);
    }
  }

  // The node's config, layer by layer. Thread-safe for distinct nodes (reads shared state
  // prepared before; writes only `findings`).
  ResolvedConfig resolve_config(const Pending& p, const SourceFile* f, const PythonResult* python,
                                Findings& findings) const {
    const Node& n = *p.node;
    ResolvedConfig cfg;
    if (n.language != Language::kPython) {
      const char* mat = n.kind == NodeKind::kSeed       ? "seed"
                        : n.kind == NodeKind::kSnapshot ? "snapshot"
                                                        : "view";
      // Set directly: a one-key layer object per node cost more than the merge.
      cfg.values["materialized"] = mat;
      cfg.provenance["materialized"] = ConfigLayer::kDefault;
    }
    apply_folder(cfg, p.own_folder, n.fqn.back());
    bool properties_materialized = false;
    for (const Json* layer : p.properties_layers) {
      merge_config_layer(cfg, *layer, ConfigLayer::kProperties);
      if (layer->is_object() && layer->contains("materialized")) properties_materialized = true;
    }
    std::optional<Json> project_materialized;
    if (n.language == Language::kPython && !properties_materialized) {
      // dbt injects `materialized: table` at the properties layer for Python models, which
      // outranks dbt_project.yml.
      auto it = cfg.values.find("materialized");
      if (it != cfg.values.end() && cfg.provenance["materialized"] == ConfigLayer::kProject)
        project_materialized = *it;
      cfg.values["materialized"] = "table";
      cfg.provenance["materialized"] = ConfigLayer::kDefault;
    }
    if (python) {
      for (const auto& call : python->config_calls)
        merge_config_layer(cfg, call, ConfigLayer::kInFile);
    } else if (f && (f->kind == FileKind::kSqlModel || f->kind == FileKind::kSnapshot)) {
      const SqlResult& r = sql_[f->result];
      size_t b = p.block < 0 ? 0 : static_cast<size_t>(p.block);
      if (b < r.scan.blocks.size())
        merge_config_layer(cfg, r.scan.blocks[b].config, ConfigLayer::kInFile);
    }
    apply_folder(cfg, p.root_folder, n.fqn.back());
    if (project_materialized && cfg.provenance["materialized"] == ConfigLayer::kDefault &&
        *project_materialized != "table") {
      findings.overridden_materialized[profiles::python_str(*project_materialized)].push_back(
          n.package_name + "." + n.name);
    }
    return cfg;
  }

  // resolve_config for a Python model, merged straight into `b` (no Json tree per model).
  // False when a layer needs the ResolvedConfig path (see PackedConfigBuilder); `findings`
  // is then untouched.
  bool resolve_config_packed(const Pending& p, const PythonResult& python, Findings& findings,
                             PackedConfigBuilder& b) const {
    const Node& n = *p.node;
    b.clear();
    if (!apply_folder_packed(b, p.own_folder, n.fqn.back())) return false;
    bool properties_materialized = false;
    for (const Json* layer : p.properties_layers) {
      if (!b.merge(*layer, ConfigLayer::kProperties)) return false;
      if (layer->is_object() && layer->contains("materialized")) properties_materialized = true;
    }
    std::optional<Json> project_materialized;
    if (!properties_materialized) {
      // As resolve_config: dbt's `materialized: table` at the properties layer.
      if (b.layer_of("materialized") == ConfigLayer::kProject)
        project_materialized = b.value_of("materialized");
      b.set("materialized", "table", ConfigLayer::kDefault);
    }
    for (const auto& call : python.config_calls)
      if (!b.merge(call, ConfigLayer::kInFile)) return false;
    if (!apply_folder_packed(b, p.root_folder, n.fqn.back())) return false;
    if (project_materialized && b.layer_of("materialized") == ConfigLayer::kDefault &&
        *project_materialized != "table") {
      findings.overridden_materialized[profiles::python_str(*project_materialized)].push_back(
          n.package_name + "." + n.name);
    }
    return true;
  }

  // What check_config_types, python_checks and the relation namer read of a packed config:
  // the naming keys (usually just `schema`), and the checked keys only when the checks could
  // fail on them (then the checks give their usual messages).
  // The view is kept per thread and reused while the keys it holds are the same as the
  // previous model's (consecutive models mostly share their folder's naming keys).
  static const ResolvedConfig& packed_view(const PackedConfigBuilder& b) {
    auto tag = [&](std::string_view key) {
      std::string_view v = b.value_bytes_of(key);
      return v.empty() ? std::optional<uint8_t>() : static_cast<uint8_t>(v[0]);
    };
    auto null_or = [&](std::string_view key, std::initializer_list<uint8_t> ok) {
      auto t = tag(key);
      return !t || *t == packed::kNull || std::find(ok.begin(), ok.end(), *t) != ok.end();
    };
    auto mat = b.string_of("materialized");
    bool plain = null_or("enabled", {packed::kFalse, packed::kTrue}) &&
                 null_or("alias", {packed::kString}) && null_or("schema", {packed::kString}) &&
                 null_or("database", {packed::kString}) &&
                 null_or("materialized", {packed::kString}) && b.strings_only("tags") &&
                 (!mat || *mat == "table" || *mat == "incremental") && !tag("contract");
    thread_local ResolvedConfig view;
    thread_local std::string view_key, key;  // what `view` was built from; `view` is valid
                                             // only when view_key is not empty
    if (!plain) {
      view_key.clear();
      view = b.subset({"alias", "contract", "database", "enabled", "materialized", "quoting",
                       "schema", "tags", "target_database", "target_schema"});
      return view;
    }
    static constexpr std::string_view kNaming[] = {"alias",  "database",        "quoting",
                                                   "schema", "target_database", "target_schema"};
    key.assign(1, tag("enabled") == packed::kFalse ? 'F' : 'T');
    for (std::string_view k : kNaming) {
      std::string_view v = b.value_bytes_of(k);
      key += static_cast<char>(v.empty() ? 0xFF : static_cast<int>(*b.layer_of(k)));
      packed::put_string(key, v);
    }
    if (key == view_key) return view;
    view = b.subset({"alias", "database", "quoting", "schema", "target_database", "target_schema"});
    // `enabled: false` is what resolve_pending looks for.
    if (tag("enabled") == packed::kFalse) view.values["enabled"] = false;
    view_key = key;
    return view;
  }

  static bool check_config_types(const Node& n, const ResolvedConfig& cfg, const std::string& file,
                                 Findings& findings) {
    auto bad = [&](const std::string& key, const std::string& want) {
      Diagnostic d =
          make_diag(Severity::kError, "DBTPY243", file, 0, 0,
                    "config `" + key + "` of '" + n.name + "' must be " + want + " (set in " +
                        std::string(config_layer_name(cfg.provenance.at(key))) + ")",
                    "fix the value where it is set");
      if (n.language == Language::kPython) {
        findings.model_error(std::move(d));
      } else {
        findings.project_error(std::move(d));
      }
      return false;
    };
    const Json& v = cfg.values;
    if (auto it = v.find("enabled"); it != v.end() && !it->is_boolean() && !it->is_null())
      return bad("enabled", "true or false");
    for (const char* k : {"alias", "schema", "database", "materialized"}) {
      if (auto it = v.find(k); it != v.end() && !it->is_null() && !it->is_string())
        return bad(k, "a string");
    }
    if (auto it = v.find("tags"); it != v.end()) {
      for (const auto& t : *it)
        if (!t.is_string()) return bad("tags", "a string or a list of strings");
    }
    return true;
  }

  // Phase 2, in parallel: the config and relation of every node phase 1 did not resolve
  // (non-Python nodes, Python models analyzed before the nodes were built).
  void resolve_nodes() {
    std::vector<size_t> left;
    for (size_t i = 0; i < pending_.size(); ++i)
      if (!pending_[i].resolved) left.push_back(i);
    parallel_for(left.size(), threads(), [&](size_t w, size_t worker) {
      Pending& p = pending_[left[w]];
      ModelIR* slot =
          p.ir_slot >= 0 ? &out_.python_models[static_cast<size_t>(p.ir_slot)] : nullptr;
      resolve_pending(p, slot, findings_[worker]);
    });
    // Every Python model is resolved: ~1 MB (10,000 files) freed before refs allocate.
    python_ = {};
    python_pending_ = {};
    std::vector<Findings> findings = std::move(findings_);
    for (auto& f : findings) {
      for (auto& d : f.diagnostics)
        diags_.push_back(std::move(d));
      out_.project_errors = out_.project_errors || f.project_errors;
      out_.model_errors = out_.model_errors || f.model_errors;
      for (auto& [value, models] : f.overridden_materialized) {
        auto& all = overridden_materialized_[value];
        all.insert(all.end(), models.begin(), models.end());
      }
    }
    for (auto& [value, models] : overridden_materialized_)
      std::sort(models.begin(), models.end());
  }

  void resolve_pending(Pending& p, ModelIR* slot, Findings& findings) {
    const SourceFile* f = p.file >= 0 ? &files_[static_cast<size_t>(p.file)] : nullptr;
    Node& n = *p.node;
    const std::string& display = f ? f->display : p.yaml_snapshot_entry->file;
    PythonResult* python = nullptr;
    if (n.language == Language::kPython) {
      python = &python_[f->result];
      if (!python->read_error.empty()) {
        findings.model_error(make_diag(Severity::kError, "DBTPY201", display, 0, 0,
                                       std::move(python->read_error),
                                       "check the file's permissions"));
        p.dropped = true;
        return;
      }
      n.has_errors = python->has_errors;
      for (auto& d : python->diagnostics) {
        if (d.severity == Severity::kError) findings.model_errors = true;
        findings.diagnostics.push_back(std::move(d));
      }
      python->diagnostics = {};
    }
    // Python models merge into the packed form (no Json tree per model); the checks and the
    // relation read the few keys they need from it.
    thread_local PackedConfigBuilder builder;
    const bool packed = python && resolve_config_packed(p, *python, findings, builder);
    ResolvedConfig owned;
    if (!packed) owned = resolve_config(p, f, python, findings);
    const ResolvedConfig& cfg = packed ? packed_view(builder) : owned;
    if (python) python->config_calls = {};
    if (!check_config_types(n, cfg, display, findings)) {
      p.dropped = true;
      return;
    }
    if (auto en = cfg.values.find("enabled"); en != cfg.values.end() && *en == false) {
      p.disabled = true;
      return;
    }
    const std::string_view kind = node_kind_name(n.kind);
    n.unique_id.reserve(kind.size() + n.package_name.size() + n.name.size() + 2 +
                        (n.version ? n.version->size() + 2 : 0));
    n.unique_id = kind;
    n.unique_id += '.';
    n.unique_id += n.package_name;
    n.unique_id += '.';
    n.unique_id += n.name;
    if (n.version) {
      n.unique_id += ".v";
      n.unique_id += *n.version;
    }
    Relation relation = n.kind == NodeKind::kSnapshot
                            ? namer_->snapshot(cfg.values, n.name)
                            : namer_->model(cfg.values, n.name, n.version);
    if (n.language != Language::kPython) {
      n.relation = std::move(relation);
      n.config = std::move(owned);
      return;
    }
    ModelIR& ir = *slot;
    ir.name = n.name;
    ir.package_name = n.package_name;
    ir.unique_id = n.unique_id;
    ir.original_file_path = n.original_file_path;
    // Readers take a Python model's description from its ModelIR (as its config and relation).
    ir.description = std::move(n.description);
    ir.relation = std::move(relation);
    python_checks(n, ir, cfg, display, findings);
    if (packed) {
      ir.config = builder.build();
    } else {
      ir.config = cfg;
    }
    p.ir_built = true;
  }

  void resolve_all() {
    // Nodes and ModelIRs go straight into the project (no second copy of 10,000 large
    // structs) and are put in unique_id order in place afterwards.
    std::vector<Node>& enabled = out_.nodes;
    std::vector<ModelIR>& irs = out_.python_models;
    // Kept nodes are compacted in place: nodes are in pending order, so a kept one never
    // moves up.
    size_t kept_nodes = 0;
    size_t kept_irs = 0;
    // Unversioned kept nodes by the hash of (package, name) -> (kept index, display path of
    // its file), for duplicates: no key string per node; a kept node stays at its index in
    // `enabled` until the loop ends, so its names are compared there.
    std::unordered_multimap<size_t, std::pair<size_t, const std::string*>> first_file;
    first_file.reserve(pending_.size());
    enabled_origins_.reserve(pending_.size());
    for (auto& p : pending_) {
      if (p.dropped) continue;
      Node& n = *p.node;
      if (p.disabled) {
        disabled_.push_back({n.kind, n.package_name, n.name, ""});
        continue;
      }
      const std::string& display =
          p.file >= 0 ? files_[static_cast<size_t>(p.file)].display : p.yaml_snapshot_entry->file;
      // Two enabled nodes with one name in one package are ambiguous for ref().
      if (!n.version) {
        const size_t h = name_hash(n.package_name, n.name);
        const std::string* first = nullptr;
        for (auto [it, end] = first_file.equal_range(h); it != end; ++it) {
          const Node& k = enabled[it->second.first];
          if (k.name == n.name && k.package_name == n.package_name) {
            first = it->second.second;
            break;
          }
        }
        if (first) {
          project_error(
              make_diag(Severity::kError, "DBTPY222", display, 0, 0,
                        "two resources are named '" + n.name + "': " + *first + " and " + display,
                        "rename one of them, disable one (`enabled: false`), or declare "
                        "versions in a properties file"));
          continue;
        }
        first_file.emplace(h, std::pair{kept_nodes, &display});
      }
      if (p.ir_built) {
        // In place: slots are in pending order, so a kept one never moves up.
        size_t slot = static_cast<size_t>(p.ir_slot);
        n.python_model = static_cast<int>(kept_irs);
        if (slot != kept_irs) irs[kept_irs] = std::move(irs[slot]);
        ++kept_irs;
      }
      if (&enabled[kept_nodes] != &n) enabled[kept_nodes] = std::move(n);
      ++kept_nodes;
      enabled_origins_.push_back({p.file, p.block, p.yaml_snapshot_entry});
    }
    enabled.erase(enabled.begin() + static_cast<std::ptrdiff_t>(kept_nodes), enabled.end());
    irs.erase(irs.begin() + static_cast<std::ptrdiff_t>(kept_irs), irs.end());
    // Node building is over: what only it needed is released on a second thread while this
    // one orders the nodes (it touches no file, properties entry or pending node until the
    // thread joins, before ref resolution allocates).
    first_file.clear();
    std::jthread release([this, pending = std::move(pending_)]() mutable {
      pending = std::vector<Pending>();
      release_resolved_inputs();
    });
    pending_ = std::vector<Pending>();
    for (auto& s : sources_)
      enabled.push_back(std::move(s));
    sources_.clear();
    load_dbt_manifest();
    add_manifest_package_nodes(enabled);

    // Final order: by unique_id.
    std::vector<size_t> order;
    {
      std::vector<std::string_view> ids(enabled.size());
      for (size_t i = 0; i < enabled.size(); ++i)
        ids[i] = enabled[i].unique_id;
      order = unique_id_order(ids);
    }
    std::vector<const NodeOrigin*> sorted_origins(enabled.size(), nullptr);
    for (size_t i = 0; i < enabled.size(); ++i)
      sorted_origins[i] =
          order[i] < enabled_origins_.size() ? &enabled_origins_[order[i]] : nullptr;
    // Python models in the same order (a ModelIR has its node's unique_id): the sorted
    // order gives it without a second sort. Nodes and ModelIRs are then moved on two threads
    // at once, each once (following the permutation's cycles).
    std::vector<size_t> ir_order;
    ir_order.reserve(irs.size());
    std::vector<int> sorted_python_model(enabled.size(), -1);
    for (size_t i = 0; i < enabled.size(); ++i) {
      const int ir = enabled[order[i]].python_model;
      if (ir >= 0) {
        ir_order.push_back(static_cast<size_t>(ir));
        sorted_python_model[i] = static_cast<int>(ir_order.size() - 1);
      }
    }
    release.join();
    {
      std::jthread move_irs([&] { apply_permutation(irs, ir_order); });
      apply_permutation(enabled, order);
      for (size_t i = 0; i < enabled.size(); ++i)
        enabled[i].python_model = sorted_python_model[i];
    }
    std::optional<RefResolver> resolver;
    {
      // The id index is built on a second thread meanwhile: until it joins, this thread
      // writes no unique_id and reads no index (distinct Node members).
      std::jthread index([&] {
        out_.node_index.reserve(enabled.size());
        for (size_t i = 0; i < enabled.size(); ++i)
          out_.node_index.emplace(enabled[i].unique_id, i);
      });
      apply_dbt_manifest();
      resolver.emplace(out_.nodes, out_.name, disabled_);
    }

    // Refs resolve in parallel, over chunks of consecutive nodes; the chunks' diagnostics
    // join in node order, as one serial pass would have added them.
    constexpr size_t kChunk = 64;
    const size_t count = out_.nodes.size();
    std::vector<Findings> found((count + kChunk - 1) / kChunk);
    std::vector<std::vector<Edge>> edges(found.size());
    parallel_for(found.size(), threads(), [&](size_t c, size_t) {
      for (size_t i = c * kChunk; i < std::min(count, (c + 1) * kChunk); ++i)
        resolve_refs_of(i, sorted_origins[i], *resolver, found[c], edges[c]);
    });
    for (auto& f : found) {
      for (auto& d : f.diagnostics)
        diags_.push_back(std::move(d));
      out_.project_errors = out_.project_errors || f.project_errors;
      out_.model_errors = out_.model_errors || f.model_errors;
    }
    size_t edge_count = 0;
    for (const auto& e : edges)
      edge_count += e.size();
    dag_edges_.reserve(edge_count);
    for (const auto& e : edges)
      dag_edges_.insert(dag_edges_.end(), e.begin(), e.end());
  }

  // Thread-safe for distinct nodes: writes `n`, its ModelIR and `findings` only.
  // Thread-safe for distinct nodes: writes node `i`, its ModelIR, `findings` and `edges`
  // only. Each parent found is also added to `edges` as (its index, i), so the DAG is built
  // without looking the parents' unique ids up again; a node's edges are as its depends_on
  // (sorted by parent, without repeats).
  void resolve_refs_of(size_t i, const NodeOrigin* origin, const RefResolver& resolver,
                       Findings& findings, std::vector<Edge>& edges) {
    Node& n = out_.nodes[i];
    if (n.kind == NodeKind::kSource) return;
    const size_t first_edge = edges.size();
    Parents parents{static_cast<uint32_t>(i), edges};
    auto manifest =
        n.relation_from_manifest ? manifest_parents_.find(n.unique_id) : manifest_parents_.end();
    if (n.python_model >= 0) {
      resolve_python(n, out_.python_models[static_cast<size_t>(n.python_model)], resolver, findings,
                     parents);
    } else if (manifest == manifest_parents_.end()) {
      resolve_sql(n, origin, resolver, findings, parents);
    } else {
      for (const auto& parent : manifest->second) {
        auto it = out_.node_index.find(parent);
        if (it == out_.node_index.end()) continue;
        n.depends_on.push_back(parent);
        parents.add(it->second);
      }
    }
    std::sort(n.depends_on.begin(), n.depends_on.end());
    n.depends_on.erase(std::unique(n.depends_on.begin(), n.depends_on.end()), n.depends_on.end());
    std::sort(edges.begin() + static_cast<std::ptrdiff_t>(first_edge), edges.end());
    edges.erase(std::unique(edges.begin() + static_cast<std::ptrdiff_t>(first_edge), edges.end()),
                edges.end());
  }

  static void python_checks(Node& n, const ModelIR& ir, const ResolvedConfig& config,
                            const std::string& display, Findings& findings) {
    const Json& v = config.values;
    auto mat = v.find("materialized");
    if (mat != v.end() && mat->is_string() && *mat != "table" && *mat != "incremental") {
      n.has_errors = true;
      findings.model_error(make_diag(
          Severity::kError, "DBTPY241", display, ir.model_def_line, 0,
          "invalid materialization '" + mat->get<std::string>() + "' for Python model '" + n.name +
              "' (set in " + std::string(config_layer_name(config.provenance.at("materialized"))) +
              "): only 'table' or 'incremental' are allowed",
          "use dbt.config(materialized=\"table\") or \"incremental\""));
    }
    auto contract = v.find("contract");
    if (contract != v.end() && contract->is_object() &&
        contract->value("enforced", false) == true) {
      n.has_errors = true;
      findings.model_error(
          make_diag(Severity::kError, "DBTPY242", display, ir.model_def_line, 0,
                    "contract enforcement is not supported for Python model '" + n.name +
                        "' (dbt: Language Error: Expected 'sql' but found 'python')",
                    "remove `contract: {enforced: true}` for this model"));
    }
  }

  void resolve_python(Node& n, ModelIR& ir, const RefResolver& resolver, Findings& findings,
                      Parents& parents) const {
    // Only messages need the display path.
    auto display = [&] { return display_of(n); };
    ir.depends_on.reserve(ir.refs.size() + ir.sources.size());
    for (const auto& ref : ir.refs) {
      Resolution r = resolver.ref(ref.name, ref.package, ref.version, n.package_name);
      if (!r.node) {
        n.has_errors = true;
        findings.model_error(make_diag(Severity::kError, r.code, display(), ref.where.line,
                                       ref.where.column, "dbt.ref(): " + r.message, r.hint));
        continue;
      }
      const Node& target = out_.nodes[*r.node];
      if (target.unique_id == n.unique_id) {
        n.has_errors = true;
        findings.model_error(
            make_diag(Severity::kError, "DBTPY236", display(), ref.where.line, ref.where.column,
                      "model '" + n.name + "' refers to itself",
                      "a model cannot read its own output with dbt.ref(); use dbt.this"));
        continue;
      }
      ir.depends_on.push_back(target.unique_id);
      parents.add(*r.node);
      std::string key = ref.package ? *ref.package + "." + ref.name : ref.name;
      if (ref.version) key += ".v" + *ref.version;
      ir.ref_relations.insert_or_assign(std::move(key), out_.relation_of(target).rendered);
    }
    for (const auto& src : ir.sources) {
      Resolution r = resolver.source(src.source_name, src.table_name, n.package_name);
      if (!r.node) {
        n.has_errors = true;
        findings.model_error(make_diag(Severity::kError, r.code, display(), src.where.line,
                                       src.where.column, "dbt.source(): " + r.message, r.hint));
        continue;
      }
      const Node& target = out_.nodes[*r.node];
      ir.depends_on.push_back(target.unique_id);
      parents.add(*r.node);
      ir.source_relations.insert_or_assign(src.source_name + "." + src.table_name,
                                           target.relation.rendered);
    }
    // Python models keep their parents in the ModelIR only (Project::depends_on_of).
    std::sort(ir.depends_on.begin(), ir.depends_on.end());
    ir.depends_on.erase(std::unique(ir.depends_on.begin(), ir.depends_on.end()),
                        ir.depends_on.end());
  }

  void resolve_sql(Node& n, const NodeOrigin* p, const RefResolver& resolver, Findings& findings,
                   Parents& parents) const {
    std::vector<SqlRef> yaml_refs;
    std::vector<SqlSource> yaml_sources;
    const std::vector<SqlRef>* refs = &yaml_refs;
    const std::vector<SqlSource>* sources = &yaml_sources;
    if (p && p->yaml_snapshot_entry) {
      const NodeEntry& e = *p->yaml_snapshot_entry;
      if (e.relation_ref_name)
        yaml_refs.push_back({*e.relation_ref_name, e.relation_ref_package, {}, e.line});
      if (e.relation_source)
        yaml_sources.push_back({e.relation_source->first, e.relation_source->second, e.line});
    } else if (p && p->file >= 0) {
      const SourceFile& f = files_[static_cast<size_t>(p->file)];
      if (f.kind == FileKind::kSqlModel || f.kind == FileKind::kSnapshot) {
        const SqlResult& r = sql_[f.result];
        size_t b = p->block < 0 ? 0 : static_cast<size_t>(p->block);
        if (b < r.scan.blocks.size()) {
          refs = &r.scan.blocks[b].refs;
          sources = &r.scan.blocks[b].sources;
        }
      }
    }
    const bool root = n.package_name == out_.name;
    // Only messages need the display path.
    auto display = [&] { return display_of(n); };
    for (const auto& ref : *refs) {
      Resolution r = resolver.ref(ref.name, ref.package, ref.version, n.package_name);
      if (r.node) {
        n.depends_on.push_back(out_.nodes[*r.node].unique_id);
        parents.add(*r.node);
      } else if (root && r.code != "DBTPY233") {
        findings.diagnostics.push_back(make_diag(
            Severity::kWarning, "DBTPY235", display(), ref.line, 0,
            "ref('" + ref.name + "') in a SQL node does not resolve: " + r.message, r.hint));
      }
    }
    for (const auto& s : *sources) {
      Resolution r = resolver.source(s.source_name, s.table_name, n.package_name);
      if (r.node) {
        n.depends_on.push_back(out_.nodes[*r.node].unique_id);
        parents.add(*r.node);
      } else if (root) {
        findings.diagnostics.push_back(
            make_diag(Severity::kWarning, "DBTPY235", display(), s.line, 0,
                      "source('" + s.source_name + "', '" + s.table_name +
                          "') in a SQL node does not resolve: " + r.message,
                      r.hint));
      }
    }
  }

  std::string display_of(const Node& n) const {
    size_t pkg = package_index(n.package_name);
    return packages_[pkg].display_prefix + n.original_file_path;
  }

  // ---- dbt's manifest.json ------------------------------------------------------------------

  // dbt's manifest.json, when given or present: read once, before nodes are ordered.
  void load_dbt_manifest() {
    std::optional<fs::path> path = options_.dbt_manifest;
    std::string display;
    if (path) {
      display = path->string();
      std::error_code ec;
      if (!fs::is_regular_file(*path, ec)) {
        throw_usage_error("DBTPY262", "--manifest " + display + " does not exist",
                          "run `dbt parse` to create target/manifest.json, or fix the path");
      }
    } else {
      fs::path candidate = out_.target_dir / "manifest.json";
      std::error_code ec;
      if (!fs::is_regular_file(candidate, ec)) return;
      path = candidate;
      display = display_path(candidate, out_.root_dir);
    }
    manifest_ = read_dbt_manifest(*path, display);
    manifest_display_ = display;
  }

  // Nodes of packages that are not installed (no `dbt deps` here) but that dbt's manifest
  // knows, so refs to them still resolve, with dbt's relation names.
  void add_manifest_package_nodes(std::vector<Node>& nodes) {
    if (!manifest_) return;
    std::set<std::string> installed;
    for (const auto& p : packages_)
      installed.insert(p.project.name);
    for (const auto& [uid, e] : manifest_->entries) {
      if (installed.count(e.package_name) || e.package_name.empty()) continue;
      NodeKind kind;
      if (e.resource_type == "model") {
        kind = NodeKind::kModel;
      } else if (e.resource_type == "seed") {
        kind = NodeKind::kSeed;
      } else if (e.resource_type == "snapshot") {
        kind = NodeKind::kSnapshot;
      } else if (e.resource_type == "source") {
        kind = NodeKind::kSource;
      } else {
        continue;
      }
      Node n;
      n.kind = kind;
      n.language = Language::kSql;  // no file here: never compiled by dbtpy
      if (kind == NodeKind::kSeed || kind == NodeKind::kSource) n.language = Language::kNone;
      n.unique_id = uid;
      n.name = e.name;
      n.package_name = e.package_name;
      n.source_name = e.source_name;
      if (!e.version.empty()) {
        n.version = e.version;
        n.is_latest_version = e.version == e.latest_version;
      }
      n.fqn = e.fqn.empty() ? std::vector<std::string>{e.package_name, e.name} : e.fqn;
      n.original_file_path = e.original_file_path;
      if (kind != NodeKind::kSource)
        n.config.values["materialized"] = e.materialized.empty() ? "view" : e.materialized;
      nodes.push_back(std::move(n));
    }
  }

  void apply_dbt_manifest() {
    if (!manifest_) return;
    const DbtManifest& m = *manifest_;
    const std::string& display = manifest_display_;
    std::vector<std::string> mismatches;
    for (auto& n : out_.nodes) {
      auto it = m.entries.find(n.unique_id);
      if (it == m.entries.end()) continue;
      const ManifestEntry& e = it->second;
      if (n.python_model >= 0) {
        const Relation& ours = out_.relation_of(n);
        if (!e.identifier.empty() && (e.database != ours.database || e.schema != ours.schema ||
                                      e.identifier != ours.identifier))
          mismatches.push_back(n.name + " (manifest: " + e.database + "." + e.schema + "." +
                               e.identifier + ", dbtpy: " + ours.database + "." + ours.schema +
                               "." + ours.identifier + ")");
        continue;
      }
      if (!e.depends_on.empty() || e.resource_type != "source")
        manifest_parents_[n.unique_id] = e.depends_on;
      if (e.identifier.empty() && e.relation_name.empty()) continue;  // e.g. ephemeral
      Relation r;
      r.database = e.database;
      r.schema = e.schema;
      r.identifier = e.identifier;
      if (!e.relation_name.empty()) {
        r.rendered = e.relation_name;
        if (target_.platform == profiles::Platform::kBigQuery) replace_all(r.rendered, "`", "");
      } else {
        render_into(r, target_.platform, quote_policy(target_.platform, out_.quoting));
      }
      n.relation = std::move(r);
      n.relation_from_manifest = true;
    }
    if (!mismatches.empty()) {
      warning(make_diag(
          Severity::kWarning, "DBTPY261", display, 0, 0,
          "dbt's manifest names Python models differently than dbtpy does, so it "
          "may be stale or built for another target: " +
              mismatches.front() +
              (mismatches.size() > 1 ? " and " + std::to_string(mismatches.size() - 1) + " more"
                                     : ""),
          "run `dbt parse --target " + target_.name +
              "` again, or check custom "
              "generate_schema_name/generate_alias_name macros"));
    }
  }

  // ---- wrap-up --------------------------------------------------------------------------

  // Per-file results are merged into the project by now; freeing them leaves room for what
  // follows (the DAG, the manifest buffer) without growing the heap.
  // What only node building needed, freed before ref resolution allocates (its small blocks
  // reuse these): file paths and names (ref resolution reads a file's kind and scan result
  // only) and the properties entries of models and seeds (merged into their configs). YAML
  // snapshot and source entries stay.
  void release_resolved_inputs() {
    auto release = [](auto& v) { std::decay_t<decltype(v)>().swap(v); };
    for (auto& f : files_) {
      release(f.absolute);
      release(f.rel);
      release(f.display);
      release(f.dirs);
      release(f.stem);
    }
    for (auto& y : yaml_) {
      release(y.props.models);
      release(y.props.seeds);
    }
  }

  void release_scratch() {
    pending_ = std::vector<Pending>();
    enabled_origins_ = {};
    files_ = {};
    sql_ = {};
    yaml_ = {};
    python_ = {};
#ifdef __GLIBC__
    // Loading freed the per-file scratch in small blocks all over the heap; the manifest that
    // follows allocates in large blocks that cannot reuse them. Give the free pages back so
    // the process's peak resident size is not the sum of both.
    malloc_trim(0);
#endif
  }

  void finish() {
    // DAG, from the edges ref resolution found (the parents' indices, not their ids to look
    // up again), with every adjacency list sized once.
    const size_t count = out_.nodes.size();
    std::vector<uint32_t> parent_count(count, 0);
    std::vector<uint32_t> child_count(count, 0);
    for (const auto& [parent, child] : dag_edges_) {
      ++parent_count[child];
      ++child_count[parent];
    }
    out_.dag.resize(count);
    for (size_t i = 0; i < count; ++i)
      out_.dag.reserve(i, parent_count[i], child_count[i]);
    for (const auto& [parent, child] : dag_edges_)
      out_.dag.add_edge(parent, child);
    dag_edges_ = {};
    out_.dag.finalize();
    std::vector<size_t> cycle = out_.dag.find_cycle();
    if (!cycle.empty()) {
      std::vector<std::string> names;
      for (size_t c : cycle)
        names.push_back(out_.nodes[c].unique_id);
      model_error(make_diag(Severity::kError, "DBTPY255", display_of(out_.nodes[cycle[0]]), 0, 0,
                            "found a cycle: " + join(names, " --> "),
                            "break the cycle: a model cannot depend on its own descendants"));
    }

    // dbt_project.yml materialized overridden for Python models.
    for (const auto& [value, models] : overridden_materialized_) {
      std::string names =
          join(std::vector<std::string>(models.begin(),
                                        models.begin() + std::min<size_t>(3, models.size())),
               ", ");
      if (models.size() > 3) names += " and " + std::to_string(models.size() - 3) + " more";
      warning(make_diag(Severity::kWarning, "DBTPY240", packages_[0].project.file, 0, 0,
                        "dbt_project.yml sets `+materialized: " + value +
                            "` but Python models are materialized as 'table' unless their "
                            "properties or dbt.config() say otherwise (dbt applies its Python "
                            "default above dbt_project.yml): " +
                            names,
                        "set `materialized` in the model's properties `config:` or with "
                        "dbt.config(materialized=...)"));
    }

    unused_config_paths();
    custom_naming_macros();

    std::stable_sort(diags_.begin(), diags_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      if (a.file != b.file) return a.file < b.file;
      return a.line < b.line;
    });
    out_.diagnostics = std::move(diags_);
  }

  void unused_config_paths() {
    std::vector<std::string> unused;
    const DbtProjectFile& root = packages_[0].project;
    for (const auto& [tree_name, tree] :
         std::vector<std::pair<std::string, const Json*>>{{"models", &root.models},
                                                          {"seeds", &root.seeds},
                                                          {"snapshots", &root.snapshots},
                                                          {"sources", &root.sources}}) {
      const auto& seen = visited_[{0, tree_name}];
      for (const auto& path : config_tree_paths(*tree, "")) {
        if (!seen.count(path)) unused.push_back(tree_name + "." + path);
      }
    }
    if (unused.empty()) return;
    warning(make_diag(Severity::kWarning, "DBTPY246", root.file, 0, 0,
                      "configuration paths in dbt_project.yml do not apply to any resource: " +
                          join(unused, ", "),
                      "fix the folder or model name (paths start with the project name), or "
                      "remove the block"));
  }

  void custom_naming_macros() {
    const DbtProjectFile& root = packages_[0].project;
    FileReader reader;
    for (const auto& macro_dir : root.macro_paths) {
      std::error_code ec;
      fs::path base = root.root / macro_dir;
      if (!fs::is_directory(base, ec)) continue;
      for (auto it = fs::recursive_directory_iterator(base, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec) || !has_ext(it->path(), {".sql"})) continue;
        std::string error;
        if (!reader.read(it->path().string(), &error)) continue;
        const std::string_view text = reader.data();
        for (const char* macro :
             {"generate_schema_name", "generate_alias_name", "generate_database_name"}) {
          size_t at = text.find(macro);
          while (at != std::string::npos) {
            size_t before = text.rfind("macro", at);
            bool is_def = before != std::string::npos &&
                          trim(std::string_view(text).substr(before + 5, at - before - 5)).empty();
            char after =
                at + std::strlen(macro) < text.size() ? text[at + std::strlen(macro)] : ' ';
            if (is_def && (after == '(' || after == ' ')) {
              int line = 1 + static_cast<int>(std::count(
                                 text.begin(), text.begin() + static_cast<long>(at), '\n'));
              warning(make_diag(Severity::kWarning, "DBTPY245", display_path(it->path(), root.root),
                                line, 0,
                                std::string("the project overrides ") + macro +
                                    "; dbtpy names Python models' relations with dbt's default "
                                    "rule, which may differ",
                                "check `dbtpy ls --output json` relations; non-Python relations "
                                "follow dbt's target/manifest.json when it exists"));
              break;
            }
            at = text.find(macro, at + 1);
          }
        }
      }
    }
  }

  profiles::Target target_;
  const LoadOptions& options_;
  Project out_;
  std::vector<PackageState> packages_;
  std::vector<SourceFile> files_;
  std::vector<SqlResult> sql_;
  std::vector<YamlResult> yaml_;
  std::vector<PythonResult> python_;    // by SourceFile::result of Python files
  std::vector<size_t> python_pending_;  // Python file ordinal -> its index in pending_
  std::vector<Findings> findings_;      // per worker, of resolve_pending in both phases
  PartialParse pp_;
  std::jthread cache_reading_;  // start_partial_parse's reader, joined before Python files
  std::vector<Pending> pending_;
  std::vector<NodeOrigin> enabled_origins_;  // parallel to the enabled nodes before sorting
  std::vector<Edge> dag_edges_;              // every parent of every node, by child
  std::unordered_map<std::tuple<size_t, std::string, bool>, size_t, KeyHash>
      by_stem_;  // (pkg, stem, is_seed)
  std::unordered_map<std::pair<size_t, std::string>, size_t, KeyHash> snapshot_by_name_;
  size_t file_node_count_ = 0;  // nodes from files, before properties added any
  bool file_node_names_built_ = false;
  std::map<std::pair<NodeKind, size_t>, std::vector<std::string>> file_node_names_;
  std::vector<Node> sources_;
  std::set<std::string> source_ids_;
  std::vector<DisabledNode> disabled_;
  std::map<std::pair<size_t, std::string>, std::set<std::string>> visited_;
  std::map<std::pair<const Json*, std::string>, FolderConfig> folder_cache_;
  std::map<std::string, std::vector<std::string>> overridden_materialized_;
  std::map<std::string, std::vector<std::string>> manifest_parents_;
  std::optional<DbtManifest> manifest_;
  std::optional<RelationNamer> namer_;  // the target's and project's naming, looked up once
  std::optional<bool> manifest_available_;
  std::string manifest_display_;
  std::vector<Diagnostic> diags_;
};

}  // namespace

DbtProjectFile read_project_header(const fs::path& project_dir, const LoadOptions& options) {
  profiles::JinjaValueContext ctx;
  ctx.env = options.env;
  ctx.vars = &options.cli_vars;
  ctx.redactor = options.redactor;
  std::error_code ec;
  fs::path root = fs::absolute(project_dir, ec).lexically_normal();
  return read_dbt_project(project_dir, ctx, root);
}

Project load_project(DbtProjectFile header, const profiles::Target& target,
                     const LoadOptions& options) {
  Loader loader(std::move(header), target, options);
  return loader.run();
}

}  // namespace dbtpy::compiler
