/**
 * Golden frames captured from a real Apache ZooKeeper 3.8.0 (Debian 3.8.0-11+deb12u2,
 * standalone, tickTime=2000, extendedTypesEnabled=true, 4lw whitelist=*) through a
 * logging TCP proxy on 127.0.0.1. Clients: kazoo 2.8.0 (c1), raw Python sockets
 * (c2, c3), the Debian cli_mt C client (c4), zkCli.sh 3.8.0 (c5).
 *
 * Source: the project's reference file `shared/reference/zk-wire-capture-3.8.0.txt`,
 * copied here entry for entry (hex unchanged) so tests never read outside the repo.
 * `hex` is the frame payload without its 4-byte length prefix; `step` is the
 * nearest preceding `###` label of the capture.
 */
export interface CapturedFrame {
  direction: 'C>S' | 'S>C';
  connection: string;
  length: number;
  step: string;
  hex: string;
}

export const zk380Capture: readonly CapturedFrame[] = [
  {
    direction: 'C>S',
    connection: 'c1',
    length: 45,
    step: "",
    hex: '000000000000000000000000000027100000000000000000000000100000000000000000000000000000000000',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 37,
    step: "",
    hex: '00000000000027100100000c36270000000000100b00eac13c18652d6105222fe5b85f4b00',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 54,
    step: "create /a data=hello",
    hex:
      '0000000100000001000000022f610000000568656c6c6f000000010000001f00000005776f726c6400000006616e796f' +
      '6e6500000000',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 22,
    step: "create /a data=hello",
    hex: '00000001000000000000000200000000000000022f61',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 15,
    step: "get /a watch",
    hex: '0000000200000004000000022f6101',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 93,
    step: "get /a watch",
    hex:
      '000000020000000000000002000000000000000568656c6c6f00000000000000020000000000000002000001a2015152' +
      '45000001a201515245000000000000000000000000000000000000000000000005000000000000000000000002',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 27,
    step: "set /a -> triggers NodeDataChanged",
    hex: '0000000300000005000000022f6100000005776f726c64ffffffff',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 30,
    step: "set /a -> triggers NodeDataChanged",
    hex: 'ffffffffffffffffffffffff000000000000000300000003000000022f61',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 84,
    step: "set /a -> triggers NodeDataChanged",
    hex:
      '0000000300000000000000030000000000000000000000020000000000000003000001a201515245000001a2015153ea' +
      '000000010000000000000000000000000000000000000005000000000000000000000002',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 21,
    step: "exists /missing (NoNode)",
    hex: '0000000400000003000000082f6d697373696e6700',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 16,
    step: "exists /missing (NoNode)",
    hex: '000000040000000000000003ffffff9b',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 52,
    step: "create seq /a/s-",
    hex:
      '0000000500000001000000052f612f732d00000000000000010000001f00000005776f726c6400000006616e796f6e65' +
      '00000002',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 35,
    step: "create seq /a/s-",
    hex: '000000050000000000000004000000000000000f2f612f732d30303030303030303030',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 52,
    step: "create ephemeral /a/e",
    hex:
      '0000000600000001000000042f612f650000000178000000010000001f00000005776f726c6400000006616e796f6e65' +
      '00000001',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 24,
    step: "create ephemeral /a/e",
    hex: '00000006000000000000000500000000000000042f612f65',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 15,
    step: "get_children /a include_data (getChildren2)",
    hex: '000000070000000c000000022f6100',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 109,
    step: "get_children /a include_data (getChildren2)",
    hex:
      '00000007000000000000000500000000000000020000000c732d30303030303030303030000000016500000000000000' +
      '020000000000000003000001a201515245000001a2015153ea0000000100000002000000000000000000000000000000' +
      '05000000020000000000000005',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 49,
    step: "create2 /b include_data",
    hex:
      '000000080000000f000000022f6200000000000000010000001f00000005776f726c6400000006616e796f6e65000000' +
      '00',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 90,
    step: "create2 /b include_data",
    hex:
      '00000008000000000000000600000000000000022f6200000000000000060000000000000006000001a2015159160000' +
      '01a201515916000000000000000000000000000000000000000000000000000000000000000000000006',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 117,
    step: "multi failing: create /c ok, delete /nonexist fails, set /a",
    hex:
      '000000090000000e0000000100ffffffff000000022f6300000000000000010000001f00000005776f726c6400000006' +
      '616e796f6e65000000000000000200ffffffff000000092f6e6f6e6578697374ffffffff0000000500ffffffff000000' +
      '022f61000000017affffffffffffffff01ffffffff',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 64,
    step: "add_auth digest user:pass",
    hex:
      '00000009000000000000000700000000ffffffff000000000000000000ffffffff00ffffff9bffffff9bffffffff00ff' +
      'fffffefffffffeffffffff01ffffffff',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 35,
    step: "add_auth digest user:pass",
    hex: 'fffffffc00000064000000000000000664696765737400000009757365723a70617373',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 16,
    step: "add_auth digest user:pass",
    hex: 'fffffffc000000000000000000000000',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 79,
    step: "create /acl with digest acl",
    hex:
      '0000000a00000001000000042f61636c00000000000000010000001f0000000664696765737400000021757365723a73' +
      '6d47616f564b642f63516b6a6d3762383847796f7241557a32303d00000000',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 24,
    step: "create /acl with digest acl",
    hex: '0000000a000000000000000800000000000000042f61636c',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 16,
    step: "get_acls /acl",
    hex: '0000000b00000006000000042f61636c',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 139,
    step: "get_acls /acl",
    hex:
      '0000000b000000000000000800000000000000010000001f0000000664696765737400000021757365723a736d47616f' +
      '564b642f63516b6a6d3762383847796f7241557a32303d00000000000000080000000000000008000001a201515b9300' +
      '0001a201515b93000000000000000000000000000000000000000000000000000000000000000000000008',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 14,
    step: "sync /a",
    hex: '0000000c00000009000000022f61',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 22,
    step: "sync /a",
    hex: '0000000c000000000000000800000000000000022f61',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 15,
    step: "delete /a/e, /a",
    hex: '0000000d00000008000000022f6100',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 41,
    step: "delete /a/e, /a",
    hex: '0000000d000000000000000800000000000000020000000c732d303030303030303030300000000165',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 28,
    step: "delete /a/e, /a",
    hex: '0000000e000000080000000f2f612f732d3030303030303030303000',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 20,
    step: "delete /a/e, /a",
    hex: '0000000e00000000000000080000000000000000',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 31,
    step: "delete /a/e, /a",
    hex: '0000000f000000020000000f2f612f732d30303030303030303030ffffffff',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 16,
    step: "delete /a/e, /a",
    hex: '0000000f000000000000000900000000',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 17,
    step: "delete /a/e, /a",
    hex: '0000001000000008000000042f612f6500',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 20,
    step: "delete /a/e, /a",
    hex: '0000001000000000000000090000000000000000',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 20,
    step: "delete /a/e, /a",
    hex: '0000001100000002000000042f612f65ffffffff',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 16,
    step: "delete /a/e, /a",
    hex: '00000011000000000000000a00000000',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 18,
    step: "delete /a/e, /a",
    hex: '0000001200000002000000022f61ffffffff',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 16,
    step: "delete /a/e, /a",
    hex: '00000012000000000000000b00000000',
  },
  {
    direction: 'C>S',
    connection: 'c1',
    length: 8,
    step: "close",
    hex: '00000013fffffff5',
  },
  {
    direction: 'S>C',
    connection: 'c1',
    length: 16,
    step: "close",
    hex: '00000013000000000000000c00000000',
  },
  {
    direction: 'C>S',
    connection: 'c2',
    length: 45,
    step: "RAW: connect with unknown sessionId 0x1234 (expect timeOut=0, sid=0, 16 zero bytes passwd, then close)",
    hex: '000000000000000000000000000075300000000000001234000000100000000000000000000000000000000000',
  },
  {
    direction: 'S>C',
    connection: 'c2',
    length: 37,
    step: "RAW: connect with unknown sessionId 0x1234 (expect timeOut=0, sid=0, 16 zero bytes passwd, then close)",
    hex: '00000000000000000000000000000000000000100000000000000000000000000000000000',
  },
  {
    direction: 'C>S',
    connection: 'c3',
    length: 44,
    step: "RAW: old client connect without readOnly byte, timeout 1000 -> negotiated 4000; response has no readOnly byte",
    hex: '000000000000000000000000000003e800000000000000000000001000000000000000000000000000000000',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 36,
    step: "RAW: old client connect without readOnly byte, timeout 1000 -> negotiated 4000; response has no readOnly byte",
    hex: '0000000000000fa00100000c36270001000000101e21e4c1dc6344725648895ab9417418',
  },
  {
    direction: 'C>S',
    connection: 'c3',
    length: 8,
    step: "RAW: ping",
    hex: 'fffffffe0000000b',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 16,
    step: "RAW: ping",
    hex: 'fffffffe000000000000000d00000000',
  },
  {
    direction: 'C>S',
    connection: 'c3',
    length: 51,
    step: "RAW: create / (NodeExists? root) then create /dup twice",
    hex:
      '0000000100000001000000042f64757000000000000000010000001f00000005776f726c6400000006616e796f6e6500' +
      '000000',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 24,
    step: "RAW: create / (NodeExists? root) then create /dup twice",
    hex: '00000001000000000000000e00000000000000042f647570',
  },
  {
    direction: 'C>S',
    connection: 'c3',
    length: 51,
    step: "RAW: create / (NodeExists? root) then create /dup twice",
    hex:
      '0000000200000001000000042f64757000000000000000010000001f00000005776f726c6400000006616e796f6e6500' +
      '000000',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 16,
    step: "RAW: create / (NodeExists? root) then create /dup twice",
    hex: '00000002000000000000000fffffff92',
  },
  {
    direction: 'C>S',
    connection: 'c3',
    length: 14,
    step: "RAW: getData / and /zookeeper/config (note stat)",
    hex: '0000000300000004000000012f00',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 88,
    step: "RAW: getData / and /zookeeper/config (note stat)",
    hex:
      '00000003000000000000000f000000000000000000000000000000000000000000000000000000000000000000000000' +
      '0000000000000000000000040000000000000000000000000000000000000004000000000000000e',
  },
  {
    direction: 'C>S',
    connection: 'c3',
    length: 30,
    step: "RAW: getData / and /zookeeper/config (note stat)",
    hex: '0000000400000004000000112f7a6f6f6b65657065722f636f6e66696700',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 88,
    step: "RAW: getData / and /zookeeper/config (note stat)",
    hex:
      '00000004000000000000000f000000000000000000000000000000000000000000000000000000000000000000000000' +
      '000000000000000000000000ffffffff000000000000000000000000000000000000000000000000',
  },
  {
    direction: 'C>S',
    connection: 'c3',
    length: 29,
    step: "RAW: getData / and /zookeeper/config (note stat)",
    hex: '0000000500000006000000112f7a6f6f6b65657065722f636f6e666967',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 111,
    step: "RAW: getData / and /zookeeper/config (note stat)",
    hex:
      '00000005000000000000000f00000000000000010000000100000005776f726c6400000006616e796f6e650000000000' +
      '0000000000000000000000000000000000000000000000000000000000000000000000ffffffff000000000000000000' +
      '000000000000000000000000000000',
  },
  {
    direction: 'C>S',
    connection: 'c3',
    length: 8,
    step: "RAW: whoAmI (107), getEphemerals(103) '/', getAllChildrenNumber(104) '/'",
    hex: '000000060000006b',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 39,
    step: "RAW: whoAmI (107), getEphemerals(103) '/', getAllChildrenNumber(104) '/'",
    hex: '00000006000000000000000f0000000000000001000000026970000000093132372e302e302e31',
  },
  {
    direction: 'C>S',
    connection: 'c3',
    length: 13,
    step: "RAW: whoAmI (107), getEphemerals(103) '/', getAllChildrenNumber(104) '/'",
    hex: '0000000700000067000000012f',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 20,
    step: "RAW: whoAmI (107), getEphemerals(103) '/', getAllChildrenNumber(104) '/'",
    hex: '00000007000000000000000f0000000000000000',
  },
  {
    direction: 'C>S',
    connection: 'c3',
    length: 13,
    step: "RAW: whoAmI (107), getEphemerals(103) '/', getAllChildrenNumber(104) '/'",
    hex: '0000000800000068000000012f',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 20,
    step: "RAW: whoAmI (107), getEphemerals(103) '/', getAllChildrenNumber(104) '/'",
    hex: '00000008000000000000000f0000000000000006',
  },
  {
    direction: 'C>S',
    connection: 'c3',
    length: 20,
    step: "RAW: addWatch(106) persistent recursive on /dup, then setData /dup via same conn",
    hex: '000000090000006a000000042f64757000000001',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 20,
    step: "RAW: addWatch(106) persistent recursive on /dup, then setData /dup via same conn",
    hex: '00000009000000000000000f0000000000000000',
  },
  {
    direction: 'C>S',
    connection: 'c3',
    length: 25,
    step: "RAW: addWatch(106) persistent recursive on /dup, then setData /dup via same conn",
    hex: '0000000a00000005000000042f647570000000015affffffff',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 32,
    step: "RAW: addWatch(106) persistent recursive on /dup, then setData /dup via same conn",
    hex: 'ffffffffffffffffffffffff000000000000000300000003000000042f647570',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 84,
    step: "RAW: addWatch(106) persistent recursive on /dup, then setData /dup via same conn",
    hex:
      '0000000a000000000000001000000000000000000000000e0000000000000010000001a20151ac20000001a20151af59' +
      '00000001000000000000000000000000000000000000000100000000000000000000000e',
  },
  {
    direction: 'C>S',
    connection: 'c3',
    length: 21,
    step: "RAW: removeWatches(18) type 3 (Any) on /nope -> NoWatcher; checkWatches(17)",
    hex: '0000000b00000012000000052f6e6f706500000003',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 16,
    step: "RAW: removeWatches(18) type 3 (Any) on /nope -> NoWatcher; checkWatches(17)",
    hex: '0000000b0000000000000010ffffff87',
  },
  {
    direction: 'C>S',
    connection: 'c3',
    length: 59,
    step: "RAW: createTTL(21) /ttl mode 5 ttl 100000; createContainer(19) /cont",
    hex:
      '0000000c00000015000000042f74746c00000000000000010000001f00000005776f726c6400000006616e796f6e6500' +
      '00000500000000000186a0',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 92,
    step: "RAW: createTTL(21) /ttl mode 5 ttl 100000; createContainer(19) /cont",
    hex:
      '0000000c000000000000001100000000000000042f74746c00000000000000110000000000000011000001a20151b0f3' +
      '000001a20151b0f3000000000000000000000000000000000000000000000000000000000000000000000011',
  },
  {
    direction: 'C>S',
    connection: 'c3',
    length: 52,
    step: "RAW: createTTL(21) /ttl mode 5 ttl 100000; createContainer(19) /cont",
    hex:
      '0000000d00000013000000052f636f6e7400000000000000010000001f00000005776f726c6400000006616e796f6e65' +
      '00000004',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 93,
    step: "RAW: createTTL(21) /ttl mode 5 ttl 100000; createContainer(19) /cont",
    hex:
      '0000000d000000000000001200000000000000052f636f6e7400000000000000120000000000000012000001a20151b0' +
      'fa000001a20151b0fa000000000000000000000000000000000000000000000000000000000000000000000012',
  },
  {
    direction: 'C>S',
    connection: 'c3',
    length: 54,
    step: "RAW: multiRead(22) getData /dup + getChildren /nope",
    hex:
      '0000000e000000160000000400ffffffff000000042f647570000000000800ffffffff000000052f6e6f706500ffffff' +
      'ff01ffffffff',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 120,
    step: "RAW: multiRead(22) getData /dup + getChildren /nope",
    hex:
      '0000000e000000000000001200000000000000040000000000000000015a000000000000000e00000000000000100000' +
      '01a20151ac20000001a20151af5900000001000000000000000000000000000000000000000100000000000000000000' +
      '000effffffff00ffffff9bffffff9bffffffff01ffffffff',
  },
  {
    direction: 'C>S',
    connection: 'c3',
    length: 57,
    step: "RAW: setWatches(101) xid -8: data /dup (rel zxid 0 -> fires NodeDataChanged), exist /newnode, child /nope",
    hex:
      'fffffff800000065000000000000000000000001000000042f64757000000001000000082f6e65776e6f646500000001' +
      '000000052f6e6f7065',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 32,
    step: "RAW: setWatches(101) xid -8: data /dup (rel zxid 0 -> fires NodeDataChanged), exist /newnode, child /nope",
    hex: 'ffffffffffffffffffffffff000000000000000300000003000000042f647570',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 33,
    step: "RAW: setWatches(101) xid -8: data /dup (rel zxid 0 -> fires NodeDataChanged), exist /newnode, child /nope",
    hex: 'ffffffffffffffffffffffff000000000000000200000003000000052f6e6f7065',
  },
  {
    direction: 'S>C',
    connection: 'c3',
    length: 16,
    step: "RAW: setWatches(101) xid -8: data /dup (rel zxid 0 -> fires NodeDataChanged), exist /newnode, child /nope",
    hex: 'fffffff8000000000000001200000000',
  },
  {
    direction: 'C>S',
    connection: 'c3',
    length: 20,
    step: "RAW: standalone check(13) op",
    hex: '0000000f0000000d000000042f647570ffffffff',
  },
  {
    direction: 'C>S',
    connection: 'c4',
    length: 45,
    step: "C cli_mt: ls /",
    hex: '000000000000000000000000000075300000000000000000000000100000000000000000000000000000000000',
  },
  {
    direction: 'S>C',
    connection: 'c4',
    length: 37,
    step: "C cli_mt: ls /",
    hex: '00000000000075300100000c3627000200000010e5bdf5c1fc80a6a3777f53d83ea736b100',
  },
  {
    direction: 'C>S',
    connection: 'c4',
    length: 14,
    step: "C cli_mt: ls /",
    hex: '6b0262d200000008000000012f01',
  },
  {
    direction: 'S>C',
    connection: 'c4',
    length: 67,
    step: "C cli_mt: ls /",
    hex:
      '6b0262d20000000000000015000000000000000600000001620000000361636c000000097a6f6f6b6565706572000000' +
      '04636f6e740000000374746c00000003647570',
  },
  {
    direction: 'C>S',
    connection: 'c4',
    length: 8,
    step: "C cli_mt: ls /",
    hex: '6b0262d3fffffff5',
  },
  {
    direction: 'S>C',
    connection: 'c4',
    length: 16,
    step: "C cli_mt: ls /",
    hex: '6b0262d3000000000000001600000000',
  },
  {
    direction: 'C>S',
    connection: 'c5',
    length: 45,
    step: "JAVA zkCli 3.8.0: ls -w /",
    hex: '000000000000000000000000000075300000000000000000000000100000000000000000000000000000000000',
  },
  {
    direction: 'S>C',
    connection: 'c5',
    length: 37,
    step: "JAVA zkCli 3.8.0: ls -w /",
    hex: '00000000000075300100000c3627000300000010f8deefc19ccc85e86cc2ba0312304b7e00',
  },
  {
    direction: 'C>S',
    connection: 'c5',
    length: 14,
    step: "JAVA zkCli 3.8.0: ls -w /",
    hex: '000000010000000c000000012f01',
  },
  {
    direction: 'S>C',
    connection: 'c5',
    length: 135,
    step: "JAVA zkCli 3.8.0: ls -w /",
    hex:
      '000000010000000000000017000000000000000600000001620000000361636c000000097a6f6f6b6565706572000000' +
      '04636f6e740000000374746c000000036475700000000000000000000000000000000000000000000000000000000000' +
      '000000000000000000000600000000000000000000000000000000000000060000000000000012',
  },
];
