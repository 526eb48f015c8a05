export { FleetSimulator, type FleetSimulatorOptions } from './fleet-simulator';
export { FLEET_SIM_USAGE, type FleetSimArgs, parseFleetSimArgs, runFleetSimCli } from './fleet-sim.cli';
export { createNodeProfile, type NodeProfile, type NodeRole } from './node-profile';
export { nodeSamplesAt } from './node-samples';
export { SIM_AGENT_VERSION } from './sim-node';
