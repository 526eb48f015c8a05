import { Body, Controller, Delete, Get, Ip, Param, Put, Query } from '@nestjs/common';
import {
  GetNodeRequest,
  ListNodesRequest,
  type ListNodesReply,
  type NodeProcessesReply,
  type NodeView,
  registryQueries,
  validate,
} from '@vigil/contracts';
import { Bus, InjectConfig, type ServiceConfig } from '@vigil/platform';
import type { GatewayEnv } from '../config';
import { askService, gatewayActor } from '../http/service-request';

/** The fleet registry over REST; registry-svc answers over NATS request/reply. */
@Controller('api/v1/nodes')
export class NodesController {
  constructor(
    private readonly bus: Bus,
    @InjectConfig() private readonly config: ServiceConfig & GatewayEnv,
  ) {}

  @Get()
  async list(@Query() query: Record<string, unknown>): Promise<ListNodesReply> {
    const request = validate(ListNodesRequest, query, 'query');
    return askService(this.bus, this.config.VIGIL_RPC_TIMEOUT_MS, registryQueries.listNodes, request);
  }

  /** The third-party agents the node's agent supervises, as their last event left them. */
  @Get(':id/processes')
  async processes(@Param('id') id: string): Promise<NodeProcessesReply> {
    const request = validate(GetNodeRequest, { nodeId: id }, 'node id');
    return askService(this.bus, this.config.VIGIL_RPC_TIMEOUT_MS, registryQueries.nodeProcesses, request);
  }

  /** Puts the node in maintenance (`{ reason, until? }`): its alerts show, and nobody is notified of them. */
  @Put(':id/maintenance')
  startMaintenance(
    @Param('id') nodeId: string,
    @Body() body: Record<string, unknown> | undefined,
    @Ip() ip: string,
  ): Promise<NodeView> {
    return askService(this.bus, this.config.VIGIL_RPC_TIMEOUT_MS, registryQueries.startMaintenance, {
      ...body,
      nodeId,
      actor: gatewayActor(ip),
    });
  }

  @Delete(':id/maintenance')
  endMaintenance(@Param('id') nodeId: string, @Ip() ip: string): Promise<NodeView> {
    return askService(this.bus, this.config.VIGIL_RPC_TIMEOUT_MS, registryQueries.endMaintenance, {
      nodeId,
      actor: gatewayActor(ip),
    });
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<NodeView> {
    const request = validate(GetNodeRequest, { nodeId: id }, 'node id');
    return askService(this.bus, this.config.VIGIL_RPC_TIMEOUT_MS, registryQueries.getNode, request);
  }
}
