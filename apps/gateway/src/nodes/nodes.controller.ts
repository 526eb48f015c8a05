import { Body, Controller, Delete, Get, Param, Put, Query } from '@nestjs/common';
import {
  GetNodeRequest,
  ListNodesRequest,
  type ListNodesReply,
  type NodeProcessesReply,
  type NodeView,
  NotFoundError,
  registryQueries,
  validate,
} from '@vigil/contracts';
import { Access } from '../auth/access';
import { Actor, CurrentPrincipal, type Principal } from '../auth/principal';
import { nodeInScope, Scoped, scopeOf } from '../auth/scope';
import { ServiceClient } from '../http/service-client';
import { nodesInScope } from './nodes-in-scope';
import { ApiSchemas, sentByClient } from '../http/api-schemas';

/**
 * The fleet registry over REST; registry-svc answers over NATS request/reply. A scoped API key
 * sees only the nodes whose labels match its scope.
 */
@Controller('api/v1/nodes')
@Access('viewer')
export class NodesController {
  constructor(private readonly services: ServiceClient) {}

  @Get()
  @ApiSchemas({ query: ListNodesRequest, summary: 'List nodes' })
  @Scoped()
  async list(@Query() query: Record<string, unknown>, @CurrentPrincipal() p: Principal): Promise<ListNodesReply> {
    const request = validate(ListNodesRequest, query, 'query');
    const scope = scopeOf(p);
    if (!scope) return this.services.ask(registryQueries.listNodes, request);
    const { status, maintenance } = request;
    const inScope = await nodesInScope(this.services, scope, { status, maintenance });
    return { items: inScope.slice(request.offset, request.offset + request.limit), total: inScope.length };
  }

  /** The third-party agents the node's agent supervises, as their last event left them. */
  @Get(':id/processes')
  @Scoped()
  async processes(@Param('id') id: string, @CurrentPrincipal() p: Principal): Promise<NodeProcessesReply> {
    const request = validate(GetNodeRequest, { nodeId: id }, 'node id');
    if (scopeOf(p)) await this.get(id, p);
    return this.services.ask(registryQueries.nodeProcesses, request);
  }

  /**
   * Puts the node in maintenance (`{ reason, until? }`): its alerts show, and nobody is notified
   * of them. A scoped key may do it only to a node in its scope (else 404, as for reading it).
   */
  @Put(':id/maintenance')
  @ApiSchemas({
    body: sentByClient(registryQueries.startMaintenance.request, 'nodeId', 'actor'),
    summary: 'Put a node in maintenance',
  })
  @Access('operator')
  @Scoped()
  async startMaintenance(
    @Param('id') nodeId: string,
    @Body() body: Record<string, unknown> | undefined,
    @Actor() actor: string,
    @CurrentPrincipal() p: Principal,
  ): Promise<NodeView> {
    if (scopeOf(p)) await this.get(nodeId, p);
    return this.services.ask(registryQueries.startMaintenance, {
      ...body,
      nodeId,
      actor: actor,
    });
  }

  @Delete(':id/maintenance')
  @Access('operator')
  @Scoped()
  async endMaintenance(
    @Param('id') nodeId: string,
    @Actor() actor: string,
    @CurrentPrincipal() p: Principal,
  ): Promise<NodeView> {
    if (scopeOf(p)) await this.get(nodeId, p);
    return this.services.ask(registryQueries.endMaintenance, {
      nodeId,
      actor: actor,
    });
  }

  @Get(':id')
  @Scoped()
  async get(@Param('id') id: string, @CurrentPrincipal() p: Principal): Promise<NodeView> {
    const request = validate(GetNodeRequest, { nodeId: id }, 'node id');
    const node = await this.services.ask(registryQueries.getNode, request);
    // Out of scope answers as registry-svc answers an unknown node: the key learns nothing of it.
    if (!nodeInScope(node, scopeOf(p))) throw new NotFoundError(`node ${id} is not registered`);
    return node;
  }
}
