import asyncio

async def get_user(user_id):
    await asyncio.sleep(1)        # a pretend database call
    return {"id": user_id, "name": f"user{user_id}"}

async def main():
    users = await asyncio.gather(get_user(1), get_user(2), get_user(3))
    print(users)                  # after 1 s

asyncio.run(main())
