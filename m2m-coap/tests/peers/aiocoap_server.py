"""An aiocoap server with the resources of the peer scenario, on 127.0.0.1:PORT (UDP).

/hello (GET), /large (GET: 3000 bytes, Block2 by aiocoap), /upload (PUT stores, Block1 by
aiocoap; GET returns it), /obs (observable counter, a notification every 0.3 s), /slow (answers
after 3 s: aiocoap sends an Empty ACK first, then a separate response), /quit (POST: stop).
Prints "ready" once listening.
"""

import asyncio
import sys

import aiocoap
import aiocoap.resource as resource

LARGE = bytes(ord("a") + i % 26 for i in range(3000))


class Text(resource.Resource):
    def __init__(self, body):
        super().__init__()
        self.body = body

    async def render_get(self, request):
        return aiocoap.Message(payload=self.body, content_format=0)


class Upload(resource.Resource):
    def __init__(self):
        super().__init__()
        self.body = b""

    async def render_get(self, request):
        return aiocoap.Message(payload=self.body, content_format=0)

    async def render_put(self, request):
        self.body = request.payload
        return aiocoap.Message(code=aiocoap.CHANGED)


class Counter(resource.ObservableResource):
    def __init__(self):
        super().__init__()
        self.count = 0
        asyncio.get_event_loop().call_later(0.3, self.tick)

    def tick(self):
        self.count += 1
        self.updated_state()
        asyncio.get_event_loop().call_later(0.3, self.tick)

    async def render_get(self, request):
        return aiocoap.Message(payload=str(self.count).encode(), content_format=0)


class Slow(resource.Resource):
    async def render_get(self, request):
        await asyncio.sleep(3)
        return aiocoap.Message(payload=b"slow answer", content_format=0)


class Quit(resource.Resource):
    def __init__(self, done):
        super().__init__()
        self.done = done

    async def render_post(self, request):
        asyncio.get_event_loop().call_later(0.2, self.done.set)
        return aiocoap.Message(code=aiocoap.CHANGED)


async def main(port):
    done = asyncio.Event()
    site = resource.Site()
    site.add_resource([".well-known", "core"], resource.WKCResource(site.get_resources_as_linkheader))
    site.add_resource(["hello"], Text(b"Hello from aiocoap"))
    site.add_resource(["large"], Text(LARGE))
    site.add_resource(["upload"], Upload())
    site.add_resource(["obs"], Counter())
    site.add_resource(["slow"], Slow())
    site.add_resource(["quit"], Quit(done))
    ctx = await aiocoap.Context.create_server_context(site, bind=("127.0.0.1", port))
    print("ready", flush=True)
    await done.wait()
    await ctx.shutdown()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
