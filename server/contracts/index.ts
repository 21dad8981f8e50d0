export * from "./event";
export * from "./realtime";
export * from "./service";
