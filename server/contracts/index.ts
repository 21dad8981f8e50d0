export * from "./event";
export * from "./instance";
export * from "./realtime";
export * from "./service";
