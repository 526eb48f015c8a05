import { Body, Controller, Delete, Get, Param, Put, Query } from '@nestjs/common';
import {
  GetNodeRequest,
  ListNodesRequest,
  type ListNodesReply,
  type NodeProcessesReply,
  type NodeView,
  registryQueries,
  validate,
} from '@vigil/contracts';
import { Access } from '../auth/access';
import { Actor } from '../auth/principal';
import { ServiceClient } from '../http/service-client';

/** The fleet registry over REST; registry-svc answers over NATS request/reply. */
@Controller('api/v1/nodes')
@Access('viewer')
export class NodesController {
  constructor(private readonly services: ServiceClient) {}

  @Get()
  async list(@Query() query: Record<string, unknown>): Promise<ListNodesReply> {
    const request = validate(ListNodesRequest, query, 'query');
    return this.services.ask(registryQueries.listNodes, request);
  }

  /** The third-party agents the node's agent supervises, as their last event left them. */
  @Get(':id/processes')
  async processes(@Param('id') id: string): Promise<NodeProcessesReply> {
    const request = validate(GetNodeRequest, { nodeId: id }, 'node id');
    return this.services.ask(registryQueries.nodeProcesses, request);
  }

  /** Puts the node in maintenance (`{ reason, until? }`): its alerts show, and nobody is notified of them. */
  @Put(':id/maintenance')
  @Access('operator')
  startMaintenance(
    @Param('id') nodeId: string,
    @Body() body: Record<string, unknown> | undefined,
    @Actor() actor: string,
  ): Promise<NodeView> {
    return this.services.ask(registryQueries.startMaintenance, {
      ...body,
      nodeId,
      actor: actor,
    });
  }

  @Delete(':id/maintenance')
  @Access('operator')
  endMaintenance(@Param('id') nodeId: string, @Actor() actor: string): Promise<NodeView> {
    return this.services.ask(registryQueries.endMaintenance, {
      nodeId,
      actor: actor,
    });
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<NodeView> {
    const request = validate(GetNodeRequest, { nodeId: id }, 'node id');
    return this.services.ask(registryQueries.getNode, request);
  }
}
