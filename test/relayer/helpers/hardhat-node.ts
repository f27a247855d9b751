import hre from "hardhat";

export interface HardhatNode {
  url: string;
  close(): Promise<void>;
}

/** Hardhat's in-process node (EDR, automine) served over HTTP on a free loopback port, like any service sees a node. */
export async function startHardhatNode(): Promise<HardhatNode> {
  const server = await hre.network.createServer("hardhat", "127.0.0.1", 0);
  const { port } = await server.listen();
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}
