// The pages behind http::Router, one function each (router.hpp lists them with their paths).
// Internal to the module: the router has already matched the path and checked the method.
#pragma once

#include "http/router.hpp"

namespace harbor::http {

struct PageContext {
    const Site& site;
    const DomainCheck& is_local_domain;
};

Response home_page(const PageContext& context, const Request& request);
Response autoconfig_page(const PageContext& context, const Request& request);
Response autodiscover_page(const PageContext& context, const Request& request);
Response mta_sts_page(const PageContext& context, const Request& request);
Response metrics_page(const PageContext& context, const Request& request);

}  // namespace harbor::http
