#include "submitters/databricks/user_name.h"

#include "submitters/follower.h"
#include "util/error.h"

namespace dbtpy::submitters::databricks {

std::string fetch_user_name(http::HttpClient& client, const std::string& workspace_origin) {
  http::HttpRequest r;
  r.method = "GET";
  r.url = workspace_origin + "/api/2.0/preview/scim/v2/Me";
  r.set_header("Accept", "application/json");
  const Json me = http::parse_json_response(r, client.send(r));
  std::string name = text_at(me, "/userName");
  if (name.empty()) {
    Diagnostic d;
    d.code = "DBTPY515";
    d.message = "GET " + r.url +
                " answered without a userName, so the notebook folder /Users/<user> cannot "
                "be named";
    d.hint =
        "check that the token belongs to a workspace user or service principal, or set "
        "user_folder_for_python: false to use /Shared";
    throw Error(ErrorKind::kRuntime, std::move(d));
  }
  return name;
}

}  // namespace dbtpy::submitters::databricks
