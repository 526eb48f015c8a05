import type { NotifyConfig, Route, RoutingReply, RouteView } from '@vigil/contracts';

/** The routing tree and inhibition rules as the API shows them (read-only): no receiver settings, only names. */
export function routingView(config: NotifyConfig): RoutingReply {
  return {
    ...(config.route ? { route: routeView(config.route) } : {}),
    inhibitRules: config.inhibitRules.map((r) => ({ source: r.source, target: r.target, equal: r.equal })),
  };
}

function routeView(r: Route): RouteView {
  return {
    ...(r.receiver === undefined ? {} : { receiver: r.receiver }),
    matchers: r.matchers.map((m) => ({ label: m.label, op: m.op, value: m.value })),
    continue: r.continue,
    ...(r.groupBy === undefined ? {} : { groupBy: r.groupBy }),
    ...(r.groupWait === undefined ? {} : { groupWaitMs: r.groupWait }),
    ...(r.groupInterval === undefined ? {} : { groupIntervalMs: r.groupInterval }),
    ...(r.repeatInterval === undefined ? {} : { repeatIntervalMs: r.repeatInterval }),
    ...(r.muted === undefined ? {} : { muted: r.muted }),
    routes: r.routes.map(routeView),
  };
}
