import { z } from "zod";

export const serviceId = z.string().uuid("not a valid service id");
