import type { ZooKeeperClient } from '@vivarium/client';
import { isNoNode } from '../support/errors.ts';
import { joinPath } from '../support/paths.ts';
import { retrying } from '../support/retry.ts';
import { isSequentialNamed, sortBySequence } from '../support/sequence.ts';

/** A participant of an election, as the nodes show it: its id (node data) and whether it is first in line. */
export interface Participant {
  id: string;
  nodePath: string;
  isLeader: boolean;
}

const decoder = new TextDecoder();

/** Participants in election order (the first is the leader), reading each node's id; nodes that vanish meanwhile are skipped. */
export async function readParticipants(client: ZooKeeperClient, path: string, nodeName: string, retriesMax: number): Promise<Participant[]> {
  let children: string[];
  try {
    children = await retrying(() => client.getChildren(path), retriesMax);
  } catch (error) {
    if (isNoNode(error)) return [];
    throw error;
  }
  const participants: Participant[] = [];
  for (const name of sortBySequence(children.filter((child) => isSequentialNamed(child, nodeName)))) {
    const nodePath = joinPath(path, name);
    try {
      const { data } = await retrying(() => client.getData(nodePath), retriesMax);
      participants.push({ id: data === null ? '' : decoder.decode(data), nodePath, isLeader: participants.length === 0 });
    } catch (error) {
      if (!isNoNode(error)) throw error;
    }
  }
  return participants;
}
