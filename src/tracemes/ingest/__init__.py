"""Machine data (MQTT, OPC UA) turned into events; built by the machines issue."""
